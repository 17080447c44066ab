/// Strict decoder of item-topic records (schema v1): one JSON object with `item` (required),
/// `available` (bool), `attributes` (array of strings), `embedding` (array of numbers, exactly
/// `limits.embeddingWidth` of them) and `ts`. Unknown fields are validated and ignored. Every
/// rejection is an `EventDecodingError` with the same stable reason codes as events, plus
/// `embedding_width`, `too_many_attributes` and `key_mismatch`. Never recurses.
public struct ItemRecordDecoder: Sendable {
    /// The limits applied to each record.
    public let limits: ItemRecordLimits
    private let maxDepth: Int

    /// Creates a decoder with the given limits.
    public init(limits: ItemRecordLimits = ItemRecordLimits()) {
        self.limits = limits
        self.maxDepth = min(max(limits.maxDepth, 2), 64)
    }

    private enum Key: String { case item, available, attributes, embedding, ts }

    /// Decodes one record. With `key` given (the Kafka key), it must equal the `item` field.
    public func decode(_ bytes: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer? = nil) throws(EventDecodingError) -> ItemRecord {
        guard bytes.count <= limits.maxMessageBytes else { throw EventDecodingError(.oversized) }
        guard let base = bytes.baseAddress, bytes.count > 0 else { throw EventDecodingError(.notJSON, offset: 0) }
        var s = JSONScanner(base: base, count: bytes.count)
        s.skipWhitespace()
        guard s.current == 0x7B else {
            try s.skipValue(depth: 0, maxDepth: maxDepth)
            s.skipWhitespace()
            guard s.pos == s.end else { throw s.error(.notJSON) }
            throw EventDecodingError(.notObject)
        }
        s.pos += 1
        var record = ItemRecord(item: "")
        var hasItem = false
        var seen = Set<Key>()
        var pending: EventDecodingError?
        s.skipWhitespace()
        if s.current == 0x7D {
            s.pos += 1
        } else {
            while true {
                guard s.current == 0x22 else { throw s.error(.notJSON) }
                let name = s.string(try s.scanString())
                try s.expect(0x3A)
                s.skipWhitespace()
                if let key = Key(rawValue: name) {
                    if seen.contains(key) {
                        if pending == nil { pending = EventDecodingError(.duplicateField, field: name, offset: s.pos) }
                        try s.skipValue(depth: 1, maxDepth: maxDepth)
                    } else {
                        seen.insert(key)
                        if let problem = try decodeField(key, &s, into: &record) {
                            if pending == nil { pending = problem }
                        } else if key == .item, !record.item.isEmpty {
                            hasItem = true
                        }
                    }
                } else {
                    try s.skipValue(depth: 1, maxDepth: maxDepth)
                }
                if try s.endOfMember() { break }
            }
        }
        s.skipWhitespace()
        guard s.pos == s.end else { throw s.error(.notJSON) }
        if let pending { throw pending }
        guard hasItem else { throw EventDecodingError(.missingField, field: "item") }
        if let key, !key.elementsEqual(record.item.utf8) { throw EventDecodingError(.keyMismatch, field: "item") }
        return record
    }

    /// Decodes one record held in byte arrays.
    public func decode(_ bytes: [UInt8], key: [UInt8]? = nil) throws(EventDecodingError) -> ItemRecord {
        do {
            return try bytes.withUnsafeBytes { raw in
                if let key { return try key.withUnsafeBytes { try decode(raw, key: $0) } }
                return try decode(raw, key: nil)
            }
        } catch let error as EventDecodingError {
            throw error
        } catch {
            throw EventDecodingError(.notJSON)
        }
    }

    /// Decodes one record held in a string (its UTF-8 bytes).
    public func decode(_ text: String, key: String? = nil) throws(EventDecodingError) -> ItemRecord {
        try decode(Array(text.utf8), key: key.map { Array($0.utf8) })
    }

    /// Decodes the value of one known field; returns a validation problem (the scan went on past
    /// the value) or throws a syntax error.
    private func decodeField(_ key: Key, _ s: inout JSONScanner, into record: inout ItemRecord) throws(EventDecodingError) -> EventDecodingError? {
        let at = s.pos
        let field = key.rawValue
        let b = s.current
        if b == 0x4E || b == 0x49 || (b == 0x2D && s.atNonFiniteLiteral()) {
            guard s.atNonFiniteLiteral() else { throw s.error(.notJSON) }
            throw EventDecodingError(.nonFinite, field: field, offset: at)
        }
        if b == 0x6E && s.matches("null") {
            s.pos += 4
            return nil // null: treated as absent
        }
        func wrong() throws(EventDecodingError) -> EventDecodingError {
            try s.skipValue(depth: 1, maxDepth: maxDepth)
            return EventDecodingError(.wrongType, field: field, offset: at)
        }
        switch key {
        case .item:
            guard b == 0x22 else { return try wrong() }
            let id = s.string(try s.scanString())
            if id.isEmpty { return EventDecodingError(.emptyID, field: field, offset: at) }
            if id.utf8.count > limits.maxIdBytes { return EventDecodingError(.idTooLong, field: field, offset: at) }
            record.item = id
        case .available:
            if s.matches("true") { s.pos += 4; record.available = true }
            else if s.matches("false") { s.pos += 5; record.available = false }
            else { return try wrong() }
        case .ts:
            guard b == 0x2D || JSONScanner.isDigit(b) else { return try wrong() }
            let n = try s.scanNumber()
            guard let v = s.int64Value(n), v >= 0, v <= EventDecoder.maxTimestampMs else {
                return EventDecodingError(.badTimestamp, field: field, offset: at)
            }
            record.timestampMs = v
        case .attributes:
            guard b == 0x5B else { return try wrong() }
            s.pos += 1
            var problem: EventDecodingError?
            var distinct = Set<String>()
            try scanArray(&s) { (s: inout JSONScanner) throws(EventDecodingError) in
                guard s.current == 0x22 else {
                    try s.skipValue(depth: 2, maxDepth: maxDepth)
                    if problem == nil { problem = EventDecodingError(.wrongType, field: field, offset: at) }
                    return
                }
                let text = s.string(try s.scanString())
                if problem != nil { return }
                if text.isEmpty { problem = EventDecodingError(.emptyID, field: field, offset: at); return }
                if text.utf8.count > limits.maxIdBytes { problem = EventDecodingError(.idTooLong, field: field, offset: at); return }
                if distinct.insert(text).inserted { record.attributes.append(text) }
                if record.attributes.count > limits.maxAttributes {
                    problem = EventDecodingError(.tooManyAttributes, field: field, offset: at)
                }
            }
            if let problem { record.attributes = []; return problem }
        case .embedding:
            guard b == 0x5B else { return try wrong() }
            s.pos += 1
            var problem: EventDecodingError?
            var values: [Float] = []
            values.reserveCapacity(limits.embeddingWidth)
            try scanArray(&s) { (s: inout JSONScanner) throws(EventDecodingError) in
                let c = s.current
                if c == 0x4E || c == 0x49 || (c == 0x2D && s.atNonFiniteLiteral()) {
                    guard s.atNonFiniteLiteral() else { throw s.error(.notJSON) }
                    throw EventDecodingError(.nonFinite, field: field, offset: s.pos)
                }
                guard c == 0x2D || JSONScanner.isDigit(c) else {
                    try s.skipValue(depth: 2, maxDepth: maxDepth)
                    if problem == nil { problem = EventDecodingError(.wrongType, field: field, offset: at) }
                    return
                }
                let v = s.floatValue(try s.scanNumber())
                if !v.isFinite, problem == nil { problem = EventDecodingError(.nonFinite, field: field, offset: at) }
                if values.count <= limits.embeddingWidth { values.append(v) }
            }
            if let problem { return problem }
            if values.count != limits.embeddingWidth && !values.isEmpty {
                return EventDecodingError(.embeddingWidth, field: field, offset: at)
            }
            record.embedding = values
        }
        return nil
    }

    /// Scans the elements of an array whose `[` was consumed, through `element`, up to and past `]`.
    private func scanArray(_ s: inout JSONScanner, _ element: (inout JSONScanner) throws(EventDecodingError) -> Void) throws(EventDecodingError) {
        s.skipWhitespace()
        if s.current == 0x5D { s.pos += 1; return }
        while true {
            s.skipWhitespace()
            try element(&s)
            s.skipWhitespace()
            let b = s.current
            if b == 0x2C { s.pos += 1; continue }
            if b == 0x5D { s.pos += 1; return }
            throw s.error(.notJSON)
        }
    }
}
