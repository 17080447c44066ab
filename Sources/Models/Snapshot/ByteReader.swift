/// Reads what ``ByteWriter`` wrote; every read throws ``SnapshotError`` (`truncated`) past the end.
public struct ByteReader: Sendable {
    private let bytes: [UInt8]
    /// Offset of the next byte to read.
    public private(set) var offset: Int
    /// Context named in error messages (e.g. the section name).
    public let context: String

    /// Reads `bytes` from the start.
    public init(_ bytes: [UInt8], context: String = "section") {
        self.bytes = bytes
        self.offset = 0
        self.context = context
    }

    /// Bytes left to read.
    public var remaining: Int { bytes.count - offset }

    private mutating func need(_ n: Int) throws {
        if n < 0 || n > remaining {
            throw SnapshotError(.truncated, "\(context): needs \(n) bytes at offset \(offset), \(remaining) left")
        }
    }

    /// Reads `n` raw bytes.
    public mutating func readBytes(_ n: Int) throws -> [UInt8] {
        try need(n)
        defer { offset += n }
        return Array(bytes[offset..<offset + n])
    }

    /// Reads a little-endian integer.
    public mutating func read<T: FixedWidthInteger>(_: T.Type = T.self) throws -> T {
        let size = MemoryLayout<T>.size
        try need(size)
        var value: T = 0
        for k in 0..<size { value |= T(truncatingIfNeeded: bytes[offset + k]) << (8 * k) }
        offset += size
        return value
    }

    /// Reads a Float.
    public mutating func readFloat() throws -> Float { Float(bitPattern: try read(UInt32.self)) }

    /// Reads a Double.
    public mutating func readDouble() throws -> Double { Double(bitPattern: try read(UInt64.self)) }

    /// Reads a length-prefixed UTF-8 string.
    public mutating func readString() throws -> String {
        let n = Int(try read(UInt32.self))
        try need(n)
        let start = offset
        let s = bytes.withUnsafeBufferPointer { all in
            String(validating: UnsafeBufferPointer(rebasing: all[start..<start + n]), as: UTF8.self)
        }
        guard let s else {
            throw SnapshotError(.malformed, "\(context): invalid UTF-8 string")
        }
        offset += n
        return s
    }

    private mutating func readCount(_ elementSize: Int) throws -> Int {
        let n = try read(UInt64.self)
        guard n <= UInt64(remaining / max(1, elementSize)) else {
            throw SnapshotError(.truncated, "\(context): array of \(n) elements exceeds the \(remaining) bytes left")
        }
        return Int(n)
    }

    /// Reads a counted Float array.
    public mutating func readFloats() throws -> [Float] {
        let n = try readCount(4)
        try need(n * 4)
        let start = offset
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
        offset += n * 4
        return out
    }

    /// Reads a counted Int32 array.
    public mutating func readInt32s() throws -> [Int32] {
        let n = try readCount(4)
        var out = [Int32](repeating: 0, count: n)
        for k in 0..<n { out[k] = try read(Int32.self) }
        return out
    }

    /// Reads a counted string array.
    public mutating func readStrings() throws -> [String] {
        let n = try readCount(4)
        var out: [String] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try readString()) }
        return out
    }
}
