/// Where an applied event came from: the input partition and offset (or a local sequence number).
public struct EventSource: Sendable, Hashable {
    /// Input partition (−1 for events that did not come through Kafka).
    public var partition: Int32
    /// Offset of the event within its partition.
    public var offset: Int64

    /// Creates a source position.
    public init(partition: Int32, offset: Int64) {
        self.partition = partition
        self.offset = offset
    }

    /// No source yet.
    public static let none = EventSource(partition: -1, offset: -1)
}
