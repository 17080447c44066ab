/// Appends little-endian scalars and arrays to a growing byte buffer.
///
/// Its methods are `@inlinable`, so callers in other modules (the changelog's user records, the
/// engine's checkpoint sections) get them specialized rather than through generic witnesses.
public struct ByteWriter: Sendable {
    @usableFromInline var storage: [UInt8] = []

    /// The bytes written so far.
    public var bytes: [UInt8] { storage }

    /// Number of bytes written so far.
    @inlinable
    public var count: Int { storage.count }

    /// Creates an empty writer.
    public init() {}

    /// Creates an empty writer whose buffer holds `capacity` bytes before it grows.
    @inlinable
    public init(capacity: Int) { storage.reserveCapacity(capacity) }

    /// Appends raw bytes.
    @inlinable
    public mutating func append(bytes more: [UInt8]) { storage.append(contentsOf: more) }

    /// Appends the UTF-8 bytes of `value`, without a length.
    @inlinable
    public mutating func append(utf8 value: String) {
        var value = value
        value.withUTF8 { storage.append(contentsOf: $0) }
    }

    /// Replaces the byte at `index` (already written) with `byte`.
    @inlinable
    public mutating func overwrite(_ byte: UInt8, at index: Int) { storage[index] = byte }

    /// Reads the bytes written so far in place.
    @inlinable
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try storage.withUnsafeBytes(body)
    }

    /// Appends an integer, little-endian.
    @inlinable
    public mutating func append<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { storage.append(contentsOf: $0) }
    }

    /// Appends a Float as its IEEE-754 bits, little-endian.
    @inlinable
    public mutating func append(_ value: Float) { append(value.bitPattern) }

    /// Appends a Double as its IEEE-754 bits, little-endian.
    @inlinable
    public mutating func append(_ value: Double) { append(value.bitPattern) }

    /// Appends a UTF-8 string prefixed by its byte length (UInt32).
    @inlinable
    public mutating func append(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            append(UInt32(utf8.count))
            storage.append(contentsOf: utf8)
        }
    }

    /// Appends a count (UInt64) then each float.
    @inlinable
    public mutating func append(_ values: [Float]) {
        values.withUnsafeBufferPointer { append(floats: $0) }
    }

    /// Appends a count (UInt64) then each float of `values` (as `append(_: [Float])` does).
    @inlinable
    public mutating func append(floats values: UnsafeBufferPointer<Float>) {
        append(UInt64(values.count))
        #if _endian(little)
        // The floats' memory is their little-endian bit patterns.
        storage.append(contentsOf: UnsafeRawBufferPointer(values))
        #else
        for v in values { append(v.bitPattern) }
        #endif
    }

    /// Appends a count (UInt64) then each Int32.
    @inlinable
    public mutating func append(_ values: [Int32]) {
        append(UInt64(values.count))
        storage.reserveCapacity(storage.count + values.count * 4)
        for v in values { append(v) }
    }

    /// Appends a count (UInt64) then each length-prefixed string.
    @inlinable
    public mutating func append(_ values: [String]) {
        append(UInt64(values.count))
        for v in values { append(v) }
    }
}
