/// A message header: a name and a byte value.
public struct KafkaHeader: Hashable, Sendable {
    /// The header name.
    public var name: String
    /// The header value.
    public var value: [UInt8]

    /// Creates a header from raw bytes.
    public init(name: String, value: [UInt8]) {
        self.name = name
        self.value = value
    }

    /// Creates a header whose value is the UTF-8 encoding of `value`.
    public init(name: String, value: String) {
        self.init(name: name, value: Array(value.utf8))
    }
}
