/// Byte-level strict JSON (RFC 8259) scanner over a borrowed buffer. It never recurses and
/// never allocates on the fast path; nested values are skipped with a bit stack bounded by
/// the depth limit.
@usableFromInline
struct JSONScanner {
    typealias Failure = EventDecodingError

    /// A string token: bytes between the quotes, as they appear in the message.
    struct StringToken {
        var start: Int
        var end: Int
        var hasEscapes: Bool
        var count: Int { end - start }
    }

    /// A validated number token with its decimal decomposition.
    struct NumberToken {
        var start: Int
        var end: Int
        var negative: Bool
        /// Up to 19 significant decimal digits.
        var mantissa: UInt64
        /// Decimal exponent applied to `mantissa`.
        var exponent: Int
        /// True when significant digits were dropped from `mantissa`.
        var truncated: Bool
        /// True when the token has neither a fraction nor an exponent part.
        var isInteger: Bool
    }

    let base: UnsafeRawPointer
    let end: Int
    var pos: Int = 0

    init(base: UnsafeRawPointer, count: Int) {
        self.base = base
        self.end = count
    }

    @inline(__always)
    func byte(_ i: Int) -> UInt8 { base.load(fromByteOffset: i, as: UInt8.self) }

    /// Current byte, or 0 at the end (0 never starts a valid token).
    @inline(__always)
    var current: UInt8 { pos < end ? byte(pos) : 0 }

    @inline(__always)
    func error(_ code: EventDecodingError.Code, at i: Int? = nil) -> Failure {
        EventDecodingError(code, offset: i ?? pos)
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while pos < end {
            let b = byte(pos)
            if b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { pos += 1 } else { return }
        }
    }

    /// After an object member's value: consumes a `,` (and the white space after it) and
    /// returns false, or consumes the closing `}` and returns true; anything else is not JSON.
    @inline(__always)
    mutating func endOfMember() throws(Failure) -> Bool {
        skipWhitespace()
        let b = current
        if b == 0x2C {
            pos += 1
            skipWhitespace()
            return false
        }
        guard b == 0x7D else { throw error(.notJSON) }
        pos += 1
        return true
    }

    /// Consumes `b` (after optional whitespace) or fails with `not_json`.
    @inline(__always)
    mutating func expect(_ b: UInt8) throws(Failure) {
        skipWhitespace()
        guard current == b else { throw error(.notJSON) }
        pos += 1
    }

    // MARK: Strings

    /// Scans a string whose opening quote is at `pos`; leaves `pos` after the closing quote.
    /// Validates UTF-8, control characters and escapes (including surrogate pairs).
    @inline(__always)
    mutating func scanString() throws(Failure) -> StringToken {
        pos += 1
        let start = pos
        var escapes = false
        while true {
            // ASCII fast path.
            while pos < end {
                let b = byte(pos)
                if b >= 0x20 && b < 0x80 && b != 0x22 && b != 0x5C { pos += 1 } else { break }
            }
            guard pos < end else { throw error(.notJSON) }
            let b = byte(pos)
            if b == 0x22 {
                let token = StringToken(start: start, end: pos, hasEscapes: escapes)
                pos += 1
                return token
            } else if b == 0x5C {
                escapes = true
                try scanEscape()
            } else if b < 0x20 {
                throw error(.notJSON)
            } else {
                try scanMultiByte(b)
            }
        }
    }

    /// Validates one multi-byte UTF-8 sequence whose lead byte `b` is at `pos` (Unicode table 3-7).
    mutating func scanMultiByte(_ b: UInt8) throws(Failure) {
        let need: Int
        var lo: UInt8 = 0x80
        var hi: UInt8 = 0xBF
        switch b {
        case 0xC2...0xDF: need = 1
        case 0xE0: need = 2; lo = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: need = 2
        case 0xED: need = 2; hi = 0x9F
        case 0xF0: need = 3; lo = 0x90
        case 0xF1...0xF3: need = 3
        case 0xF4: need = 3; hi = 0x8F
        default: throw error(.invalidUTF8)
        }
        guard end - pos > need else { throw error(.invalidUTF8) }
        let c1 = byte(pos + 1)
        guard c1 >= lo && c1 <= hi else { throw error(.invalidUTF8) }
        var k = 2
        while k <= need {
            guard byte(pos + k) & 0xC0 == 0x80 else { throw error(.invalidUTF8) }
            k += 1
        }
        pos += need + 1
    }

    @inline(__always)
    static func hexValue(_ b: UInt8) -> UInt32? {
        switch b {
        case 0x30...0x39: UInt32(b - 0x30)
        case 0x41...0x46: UInt32(b - 0x41 + 10)
        case 0x61...0x66: UInt32(b - 0x61 + 10)
        default: nil
        }
    }

    /// Reads the 4 hex digits after `\u` at `i` (which points at the backslash).
    func hex4(at i: Int) throws(Failure) -> UInt32 {
        guard end - i >= 6, byte(i + 1) == 0x75 else { throw error(.notJSON, at: i) }
        var v: UInt32 = 0
        for k in 2..<6 {
            guard let h = Self.hexValue(byte(i + k)) else { throw error(.notJSON, at: i + k) }
            v = v << 4 | h
        }
        return v
    }

    /// Validates one escape whose backslash is at `pos`.
    mutating func scanEscape() throws(Failure) {
        guard pos + 1 < end else { throw error(.notJSON) }
        switch byte(pos + 1) {
        case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74:
            pos += 2
        case 0x75:
            let u = try hex4(at: pos)
            if u >= 0xD800 && u <= 0xDBFF {
                guard end - pos >= 12, byte(pos + 6) == 0x5C, byte(pos + 7) == 0x75 else {
                    throw error(.invalidUTF8)
                }
                let low = try hex4(at: pos + 6)
                guard low >= 0xDC00 && low <= 0xDFFF else { throw error(.invalidUTF8) }
                pos += 12
            } else if u >= 0xDC00 && u <= 0xDFFF {
                throw error(.invalidUTF8)
            } else {
                pos += 6
            }
        default:
            throw error(.notJSON)
        }
    }

    /// The raw bytes of a token (no unescaping).
    @inline(__always)
    func rawBytes(_ t: StringToken) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + t.start, count: t.count)
    }

    /// The unescaped UTF-8 bytes of an already validated token with escapes (slow path).
    func unescaped(_ t: StringToken) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(t.count)
        var i = t.start
        while i < t.end {
            let b = byte(i)
            guard b == 0x5C else { out.append(b); i += 1; continue }
            let e = byte(i + 1)
            switch e {
            case 0x62: out.append(0x08); i += 2
            case 0x66: out.append(0x0C); i += 2
            case 0x6E: out.append(0x0A); i += 2
            case 0x72: out.append(0x0D); i += 2
            case 0x74: out.append(0x09); i += 2
            case 0x75:
                var u = (try? hex4(at: i)) ?? 0xFFFD
                i += 6
                if u >= 0xD800 && u <= 0xDBFF {
                    let low = (try? hex4(at: i)) ?? 0xDC00
                    u = 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                }
                Self.appendUTF8(u, to: &out)
            default: out.append(e); i += 2
            }
        }
        return out
    }

    static func appendUTF8(_ u: UInt32, to out: inout [UInt8]) {
        switch u {
        case 0..<0x80:
            out.append(UInt8(u))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | u >> 6)); out.append(UInt8(0x80 | u & 0x3F))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | u >> 12)); out.append(UInt8(0x80 | (u >> 6) & 0x3F))
            out.append(UInt8(0x80 | u & 0x3F))
        default:
            out.append(UInt8(0xF0 | u >> 18)); out.append(UInt8(0x80 | (u >> 12) & 0x3F))
            out.append(UInt8(0x80 | (u >> 6) & 0x3F)); out.append(UInt8(0x80 | u & 0x3F))
        }
    }

    /// Makes a Swift string from a validated token.
    func string(_ t: StringToken) -> String {
        if !t.hasEscapes {
            return String(decoding: rawBytes(t), as: UTF8.self)
        }
        return String(decoding: unescaped(t), as: UTF8.self)
    }

    // MARK: Numbers and literals

    @inline(__always)
    static func isDigit(_ b: UInt8) -> Bool { b &- 0x30 < 10 }

    /// Scans a number at `pos` following the RFC 8259 grammar.
    mutating func scanNumber() throws(Failure) -> NumberToken {
        let start = pos
        var t = NumberToken(start: start, end: start, negative: false, mantissa: 0, exponent: 0,
                            truncated: false, isInteger: true)
        var digits = 0
        if current == 0x2D { t.negative = true; pos += 1 }
        let first = current
        guard Self.isDigit(first) else { throw error(.notJSON) }
        if first == 0x30 {
            pos += 1
        } else {
            while pos < end, Self.isDigit(byte(pos)) {
                let d = UInt64(byte(pos) &- 0x30)
                if digits < 19 { t.mantissa = t.mantissa &* 10 &+ d; digits += 1 } else {
                    t.exponent += 1
                    if d != 0 { t.truncated = true }
                }
                pos += 1
            }
        }
        if current == 0x2E {
            t.isInteger = false
            pos += 1
            guard Self.isDigit(current) else { throw error(.notJSON) }
            while pos < end, Self.isDigit(byte(pos)) {
                let d = UInt64(byte(pos) &- 0x30)
                if digits < 19 {
                    if t.mantissa != 0 || d != 0 { digits += 1 }
                    t.mantissa = t.mantissa &* 10 &+ d
                    t.exponent -= 1
                } else if d != 0 {
                    t.truncated = true
                }
                pos += 1
            }
        }
        if current == 0x65 || current == 0x45 {
            t.isInteger = false
            pos += 1
            var negExp = false
            if current == 0x2B || current == 0x2D { negExp = current == 0x2D; pos += 1 }
            guard Self.isDigit(current) else { throw error(.notJSON) }
            var e = 0
            while pos < end, Self.isDigit(byte(pos)) {
                if e < 1_000_000 { e = e * 10 + Int(byte(pos) &- 0x30) }
                pos += 1
            }
            t.exponent += negExp ? -e : e
        }
        t.end = pos
        return t
    }

    static let floatPowers: [Float] = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10]
    static let doublePowers: [Double] = [
        1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// The correctly rounded Float value of a number token (may be infinite on overflow).
    func floatValue(_ t: NumberToken) -> Float {
        if !t.truncated && t.mantissa <= 1 << 24 && t.exponent >= -10 && t.exponent <= 10 {
            // Exact operands, one rounding: correctly rounded (Clinger's fast path).
            var v = Float(t.mantissa)
            if t.exponent >= 0 { v *= Self.floatPowers[t.exponent] } else { v /= Self.floatPowers[-t.exponent] }
            return t.negative ? -v : v
        }
        if t.mantissa == 0 && !t.truncated { return t.negative ? -0.0 : 0 }
        let text = String(decoding: UnsafeRawBufferPointer(start: base + t.start, count: t.end - t.start),
                          as: UTF8.self)
        return Float(text) ?? .infinity
    }

    /// The exact Int64 value of an integer token, or nil when it is not an integer or overflows.
    func int64Value(_ t: NumberToken) -> Int64? {
        guard t.isInteger, !t.truncated, t.exponent == 0 else { return nil }
        if t.negative {
            guard t.mantissa <= UInt64(Int64.max) + 1 else { return nil }
            return t.mantissa == UInt64(Int64.max) + 1 ? Int64.min : -Int64(t.mantissa)
        }
        guard t.mantissa <= UInt64(Int64.max) else { return nil }
        return Int64(t.mantissa)
    }

    /// True when the bytes at `pos` spell `literal`.
    @inline(__always)
    func matches(_ literal: StaticString) -> Bool {
        let n = literal.utf8CodeUnitCount
        guard end - pos >= n else { return false }
        let p = literal.utf8Start
        for k in 0..<n where byte(pos + k) != p[k] { return false }
        return true
    }

    /// True when a non-JSON NaN / Infinity / -Infinity token starts at `pos`.
    func atNonFiniteLiteral() -> Bool {
        matches("NaN") || matches("Infinity") || matches("-Infinity")
    }

    /// Consumes `true`, `false` or `null` at `pos`.
    mutating func scanLiteral() throws(Failure) {
        if matches("true") || matches("null") { pos += 4 } else if matches("false") { pos += 5 } else {
            throw error(atNonFiniteLiteral() ? .nonFinite : .notJSON)
        }
    }

    // MARK: Skipping whole values

    /// Skips one complete value starting at `pos` (whitespace already skipped), validating
    /// it. `depth` is the depth of the enclosing container (0 at the top level).
    mutating func skipValue(depth: Int, maxDepth: Int) throws(Failure) {
        var stack: UInt64 = 0 // bit k set: level k+1 is an object
        var level = 0
        while true {
            // A value starts at pos.
            var closedValue = true
            switch current {
            case 0x7B: // {
                guard depth + level + 1 <= maxDepth else { throw error(.tooDeep) }
                stack |= 1 << UInt64(level)
                level += 1
                pos += 1
                skipWhitespace()
                if current == 0x7D {
                    pos += 1
                    level -= 1
                    stack &= ~(1 << UInt64(level))
                } else {
                    try scanKeyAndColon()
                    closedValue = false
                }
            case 0x5B: // [
                guard depth + level + 1 <= maxDepth else { throw error(.tooDeep) }
                stack &= ~(1 << UInt64(level))
                level += 1
                pos += 1
                skipWhitespace()
                if current == 0x5D {
                    pos += 1
                    level -= 1
                } else {
                    closedValue = false
                }
            case 0x22:
                _ = try scanString()
            case 0x2D, 0x30...0x39:
                if matches("-Infinity") { throw error(.nonFinite) }
                _ = try scanNumber()
            default:
                try scanLiteral()
            }
            if !closedValue { continue }
            // After a complete value: close containers or move to the next element.
            while true {
                if level == 0 { return }
                skipWhitespace()
                let inObject = stack & (1 << UInt64(level - 1)) != 0
                let b = current
                if b == 0x2C {
                    pos += 1
                    skipWhitespace()
                    if inObject { try scanKeyAndColon() }
                    break
                } else if (inObject && b == 0x7D) || (!inObject && b == 0x5D) {
                    pos += 1
                    level -= 1
                } else {
                    throw error(.notJSON)
                }
            }
        }
    }

    /// Scans `"key" :` and the whitespace after it (whitespace before it already skipped).
    @inline(__always)
    mutating func scanKeyAndColon() throws(Failure) {
        guard current == 0x22 else { throw error(.notJSON) }
        _ = try scanString()
        try expect(0x3A)
        skipWhitespace()
    }
}
