/// Reads what ``ByteWriter`` wrote; every read throws ``SnapshotError`` (`truncated`) past the end.
///
/// Its reads are `@inlinable`, so callers in other modules (the changelog's user records, the
/// engine's checkpoint sections) get them specialized rather than through generic witnesses.
public struct ByteReader: Sendable {
    @usableFromInline let bytes: [UInt8]
    @usableFromInline var position: Int
    /// Context named in error messages (e.g. the section name).
    public let context: String

    /// Reads `bytes` from the start.
    public init(_ bytes: [UInt8], context: String = "section") {
        self.bytes = bytes
        self.position = 0
        self.context = context
    }

    /// Offset of the next byte to read.
    public var offset: Int { position }

    /// Bytes left to read.
    @inlinable
    public var remaining: Int { bytes.count - position }

    @inlinable
    mutating func need(_ n: Int) throws(SnapshotError) {
        if n < 0 || n > remaining { throw truncated(n) }
    }

    @usableFromInline
    func truncated(_ n: Int) -> SnapshotError {
        SnapshotError(.truncated, "\(context): needs \(n) bytes at offset \(position), \(remaining) left")
    }

    @usableFromInline
    func malformed(_ what: String) -> SnapshotError {
        SnapshotError(.malformed, "\(context): \(what)")
    }

    /// Reads `n` raw bytes.
    @inlinable
    public mutating func readBytes(_ n: Int) throws(SnapshotError) -> [UInt8] {
        try need(n)
        defer { position += n }
        return Array(bytes[position..<position + n])
    }

    /// Reads a little-endian integer.
    @inlinable
    public mutating func read<T: FixedWidthInteger>(_: T.Type = T.self) throws(SnapshotError) -> T {
        let size = MemoryLayout<T>.size
        try need(size)
        let at = position
        let value = bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: at, as: T.self)) }
        position += size
        return value
    }

    /// Reads a Float.
    @inlinable
    public mutating func readFloat() throws(SnapshotError) -> Float { Float(bitPattern: try read(UInt32.self)) }

    /// Reads a Double.
    @inlinable
    public mutating func readDouble() throws(SnapshotError) -> Double { Double(bitPattern: try read(UInt64.self)) }

    /// Reads a length-prefixed UTF-8 string.
    @inlinable
    public mutating func readString() throws(SnapshotError) -> String {
        let n = Int(try read(UInt32.self))
        try need(n)
        let start = position
        let s = bytes.withUnsafeBufferPointer { all -> String? in
            let utf8 = UnsafeBufferPointer(rebasing: all[start..<start + n])
            // ASCII (ids, almost always) needs no validation beyond the high bit; the generic
            // validating initializer is several times slower.
            if !utf8.contains(where: { $0 >= 0x80 }) { return String(decoding: utf8, as: UTF8.self) }
            return String(validating: utf8, as: UTF8.self)
        }
        guard let s else { throw malformed("invalid UTF-8 string") }
        position += n
        return s
    }

    @inlinable
    mutating func readCount(_ elementSize: Int) throws(SnapshotError) -> Int {
        let n = try read(UInt64.self)
        guard n <= UInt64(remaining / max(1, elementSize)) else {
            throw SnapshotError(.truncated, "\(context): array of \(n) elements exceeds the \(remaining) bytes left")
        }
        return Int(n)
    }

    /// Reads a counted Float array.
    @inlinable
    public mutating func readFloats() throws(SnapshotError) -> [Float] {
        let n = try readCount(4)
        try need(n * 4)
        let start = position
        // Little-endian bit patterns, as `ByteWriter` writes them: one copy on little-endian hosts.
        let out = [Float](unsafeUninitializedCapacity: n) { buffer, count in
            bytes.withUnsafeBytes { raw in
                for k in 0..<n {
                    let bits = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: start + 4 * k, as: UInt32.self))
                    buffer[k] = Float(bitPattern: bits)
                }
            }
            count = n
        }
        position += n * 4
        return out
    }

    /// Reads a counted Int32 array.
    @inlinable
    public mutating func readInt32s() throws(SnapshotError) -> [Int32] {
        let n = try readCount(4)
        var out = [Int32](repeating: 0, count: n)
        for k in 0..<n { out[k] = try read(Int32.self) }
        return out
    }

    /// Reads a counted string array.
    @inlinable
    public mutating func readStrings() throws(SnapshotError) -> [String] {
        let n = try readCount(4)
        var out: [String] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try readString()) }
        return out
    }
}
