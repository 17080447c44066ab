/// Plain-text number parsing for interaction files (ASCII, no allocation on the fast path).
enum NumberText {
    private static let powers: [Double] = [
        1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ]

    /// An optionally signed decimal integer, or nil on any other text or overflow.
    static func int64(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int64? {
        var k = start
        var negative = false
        if k < end && (p[k] == 0x2D || p[k] == 0x2B) { negative = p[k] == 0x2D; k += 1 }
        guard k < end else { return nil }
        var v: Int64 = 0
        while k < end {
            let d = p[k] &- 0x30
            guard d < 10 else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int64(d))
            guard !o1 && !o2 else { return nil }
            v = s
            k += 1
        }
        return negative ? -v : v
    }

    /// A decimal number (`-12.5`, `3`, `1e3`, `.5`), or nil when the text is not one.
    static func double(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        var k = start
        var negative = false
        if k < end && (p[k] == 0x2D || p[k] == 0x2B) { negative = p[k] == 0x2D; k += 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        var fraction = 0
        var sawDigit = false
        var sawPoint = false
        while k < end {
            let b = p[k]
            if b &- 0x30 < 10 {
                sawDigit = true
                if digits < 15 {
                    mantissa = mantissa * 10 + UInt64(b &- 0x30)
                    if mantissa != 0 { digits += 1 }
                    if sawPoint { fraction += 1 }
                } else {
                    return slow(p, start, end)
                }
            } else if b == 0x2E && !sawPoint {
                sawPoint = true
            } else {
                return slow(p, start, end)
            }
            k += 1
        }
        guard sawDigit else { return nil }
        let v = Double(mantissa) / powers[fraction]
        return negative ? -v : v
    }

    private static func slow(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        let text = String(decoding: UnsafeBufferPointer(start: p + start, count: end - start), as: UTF8.self)
        guard let v = Double(text), v.isFinite else { return nil }
        return v
    }
}
