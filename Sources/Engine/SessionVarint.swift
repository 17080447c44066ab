/// LEB128 variable-length integers and zigzag coding, for the packed spilled-session records.
enum Varint {
    /// A read ran past its end or a value did not fit 64 bits.
    struct Overrun: Error {}

    /// Appends `value` in 7-bit groups, low first, the high bit marking "more follows".
    @inline(__always)
    static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// Reads one value at `cursor` (advanced past it), not reading at or past `end`.
    static func read(_ bytes: [UInt8], at cursor: inout Int, end: Int? = nil) throws(Overrun) -> UInt64 {
        let limit = min(end ?? bytes.count, bytes.count)
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard cursor < limit, shift < 64 else { throw Overrun() }
            let byte = bytes[cursor]
            cursor += 1
            value |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
    }

    /// Maps signed to unsigned so that small magnitudes stay small (0, −1, 1, −2 → 0, 1, 2, 3).
    @inline(__always)
    static func zigzag(_ value: Int64) -> UInt64 {
        UInt64(bitPattern: (value << 1) ^ (value >> 63))
    }

    /// Inverse of `zigzag`.
    @inline(__always)
    static func unzigzag(_ value: UInt64) -> Int64 {
        Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1)
    }
}
