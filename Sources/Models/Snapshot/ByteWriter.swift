/// Appends little-endian scalars and arrays to a growing byte buffer.
public struct ByteWriter: Sendable {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8] = []

    /// Creates an empty writer.
    public init() {}

    /// Appends raw bytes.
    public mutating func append(bytes more: [UInt8]) { bytes.append(contentsOf: more) }

    /// Appends an integer, little-endian.
    public mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Appends a Float as its IEEE-754 bits, little-endian.
    public mutating func append(_ value: Float) { append(value.bitPattern) }

    /// Appends a Double as its IEEE-754 bits, little-endian.
    public mutating func append(_ value: Double) { append(value.bitPattern) }

    /// Appends a UTF-8 string prefixed by its byte length (UInt32).
    public mutating func append(_ value: String) {
        let utf8 = Array(value.utf8)
        append(UInt32(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    /// Appends a count (UInt64) then each float.
    public mutating func append(_ values: [Float]) {
        append(UInt64(values.count))
        bytes.reserveCapacity(bytes.count + values.count * 4)
        for v in values { append(v.bitPattern) }
    }

    /// Appends a count (UInt64) then each Int32.
    public mutating func append(_ values: [Int32]) {
        append(UInt64(values.count))
        bytes.reserveCapacity(bytes.count + values.count * 4)
        for v in values { append(v) }
    }

    /// Appends a count (UInt64) then each length-prefixed string.
    public mutating func append(_ values: [String]) {
        append(UInt64(values.count))
        for v in values { append(v) }
    }
}
