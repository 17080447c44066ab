/// Strict decoder of schema v1 messages: one JSON object per message with `user`, `item`,
/// optional `type`, `value` and `ts`. Unknown fields are validated and ignored. Every
/// rejection is an `EventDecodingError` with a stable reason code. Never recurses, never
/// traps on hostile input, and allocates nothing beyond the two id strings on the fast path.
public struct EventDecoder: Sendable {
    /// The limits applied to each message.
    public let limits: EventLimits
    private let maxDepth: Int

    /// Latest accepted timestamp: 9999-12-31T23:59:59.999Z in epoch milliseconds.
    public static let maxTimestampMs: Int64 = 253_402_300_799_999

    /// Creates a decoder with the given limits.
    public init(limits: EventLimits = EventLimits()) {
        self.limits = limits
        self.maxDepth = min(max(limits.maxDepth, 1), 64)
    }

    private enum Key { case user, item, type, value, ts, other }

    /// Decodes one message. `fallbackTimestampMs` is used when the message has no `ts`
    /// (normally the Kafka message timestamp).
    public func decode(
        _ bytes: UnsafeRawBufferPointer, fallbackTimestampMs: Int64
    ) throws(EventDecodingError) -> Event {
        guard bytes.count <= limits.maxMessageBytes else { throw EventDecodingError(.oversized) }
        guard let base = bytes.baseAddress, bytes.count > 0 else { throw EventDecodingError(.notJSON, offset: 0) }
        var s = JSONScanner(base: base, count: bytes.count)
        s.skipWhitespace()
        guard s.current == 0x7B else {
            // Tell "valid JSON, wrong shape" from "not JSON at all".
            try s.skipValue(depth: 0, maxDepth: maxDepth)
            s.skipWhitespace()
            guard s.pos == s.end else { throw s.error(.notJSON) }
            throw EventDecodingError(.notObject)
        }
        s.pos += 1

        var user: String?
        var item: String?
        var type: EventType?
        var value: Float?
        var ts: Int64?
        var seen: UInt8 = 0
        var pending: EventDecodingError?

        s.skipWhitespace()
        if s.current == 0x7D {
            s.pos += 1
        } else {
            while true {
                guard s.current == 0x22 else { throw s.error(.notJSON) }
                let keyToken = try s.scanString()
                let key = classify(keyToken, in: s)
                try s.expect(0x3A)
                s.skipWhitespace()
                if key == .other {
                    try s.skipValue(depth: 1, maxDepth: maxDepth)
                } else {
                    let bit: UInt8 = switch key {
                    case .user: 1
                    case .item: 2
                    case .type: 4
                    case .value: 8
                    case .ts: 16
                    case .other: 0
                    }
                    if seen & bit != 0 {
                        if pending == nil { pending = EventDecodingError(.duplicateField, field: name(key), offset: s.pos) }
                        try s.skipValue(depth: 1, maxDepth: maxDepth)
                    } else {
                        seen |= bit
                        try decodeKnown(key, &s, user: &user, item: &item, type: &type, value: &value, ts: &ts,
                                        pending: &pending)
                    }
                }
                if try s.endOfMember() { break }
            }
        }
        s.skipWhitespace()
        guard s.pos == s.end else { throw s.error(.notJSON) }
        if let pending { throw pending }

        guard let user else { throw EventDecodingError(.missingField, field: "user") }
        guard let item else { throw EventDecodingError(.missingField, field: "item") }
        let resolved = type ?? (value == nil ? .click : .rating)
        if resolved == .rating {
            guard let value else { throw EventDecodingError(.missingValue, field: "value") }
            guard limits.ratingRange.contains(value) else {
                throw EventDecodingError(.ratingOutOfRange, field: "value")
            }
        }
        return Event(user: user, item: item, type: resolved, value: value,
                     timestampMs: ts ?? fallbackTimestampMs)
    }

    /// Decodes one message held in a byte array.
    public func decode(_ bytes: [UInt8], fallbackTimestampMs: Int64) throws(EventDecodingError) -> Event {
        do {
            return try bytes.withUnsafeBytes { raw in try decode(raw, fallbackTimestampMs: fallbackTimestampMs) }
        } catch let error as EventDecodingError {
            throw error
        } catch {
            throw EventDecodingError(.notJSON)
        }
    }

    /// Decodes one message held in a string (its UTF-8 bytes).
    public func decode(_ text: String, fallbackTimestampMs: Int64) throws(EventDecodingError) -> Event {
        try decode(Array(text.utf8), fallbackTimestampMs: fallbackTimestampMs)
    }

    // MARK: Fields

    private func name(_ key: Key) -> String {
        switch key {
        case .user: "user"
        case .item: "item"
        case .type: "type"
        case .value: "value"
        case .ts: "ts"
        case .other: ""
        }
    }

    @inline(__always)
    private func classify(_ t: JSONScanner.StringToken, in s: JSONScanner) -> Key {
        if t.hasEscapes {
            let bytes = s.unescaped(t)
            return bytes.withUnsafeBytes { classify(raw: $0) }
        }
        return classify(raw: s.rawBytes(t))
    }

    @inline(__always)
    private func classify(raw b: UnsafeRawBufferPointer) -> Key {
        switch b.count {
        case 2:
            return b[0] == 0x74 && b[1] == 0x73 ? .ts : .other
        case 4:
            let w = b.loadUnaligned(as: UInt32.self)
            // Little- or big-endian agnostic: compare against the same bytes loaded the same way.
            if w == Self.word("user") { return .user }
            if w == Self.word("item") { return .item }
            if w == Self.word("type") { return .type }
            return .other
        case 5:
            return b[0] == 0x76 && b[1] == 0x61 && b[2] == 0x6C && b[3] == 0x75 && b[4] == 0x65 ? .value : .other
        default:
            return .other
        }
    }

    @inline(__always)
    private static func word(_ s: StaticString) -> UInt32 {
        UnsafeRawPointer(s.utf8Start).loadUnaligned(as: UInt32.self)
    }

    // swiftlint:disable:next function_parameter_count
    @inline(__always)
    private func decodeKnown(
        _ key: Key, _ s: inout JSONScanner,
        user: inout String?, item: inout String?, type: inout EventType?,
        value: inout Float?, ts: inout Int64?, pending: inout EventDecodingError?
    ) throws(EventDecodingError) {
        let at = s.pos
        func note(_ code: EventDecodingError.Code) {
            if pending == nil { pending = EventDecodingError(code, field: name(key), offset: at) }
        }
        let b = s.current
        if b == 0x4E || b == 0x49 || (b == 0x2D && s.atNonFiniteLiteral()) {
            guard s.atNonFiniteLiteral() else { throw s.error(.notJSON) }
            throw EventDecodingError(.nonFinite, field: name(key), offset: at)
        }
        if b == 0x6E && s.matches("null") {
            s.pos += 4
            return // null: treated as absent
        }
        switch key {
        case .user, .item:
            guard b == 0x22 else { try s.skipValue(depth: 1, maxDepth: maxDepth); note(.wrongType); return }
            let t = try s.scanString()
            if t.count == 0 { note(.emptyID); return }
            // Unescaping only shortens a string: the raw length bounds the decoded one.
            if !t.hasEscapes && t.count > limits.maxIdBytes { note(.idTooLong); return }
            let id = s.string(t)
            if id.isEmpty { note(.emptyID); return }
            if id.utf8.count > limits.maxIdBytes { note(.idTooLong); return }
            if key == .user { user = id } else { item = id }
        case .type:
            guard b == 0x22 else { try s.skipValue(depth: 1, maxDepth: maxDepth); note(.wrongType); return }
            let t = try s.scanString()
            let parsed: EventType?
            if t.hasEscapes {
                parsed = s.unescaped(t).withUnsafeBytes { EventType(utf8: $0) }
            } else {
                parsed = EventType(utf8: s.rawBytes(t))
            }
            if let parsed { type = parsed } else { note(.unknownType) }
        case .value:
            guard b == 0x2D || JSONScanner.isDigit(b) else {
                try s.skipValue(depth: 1, maxDepth: maxDepth); note(.wrongType); return
            }
            let n = try s.scanNumber()
            let v = s.floatValue(n)
            if v.isFinite { value = v } else { note(.nonFinite) }
        case .ts:
            guard b == 0x2D || JSONScanner.isDigit(b) else {
                try s.skipValue(depth: 1, maxDepth: maxDepth); note(.wrongType); return
            }
            let n = try s.scanNumber()
            if let v = s.int64Value(n), v >= 0, v <= Self.maxTimestampMs { ts = v } else { note(.badTimestamp) }
        case .other:
            try s.skipValue(depth: 1, maxDepth: maxDepth)
        }
    }
}
