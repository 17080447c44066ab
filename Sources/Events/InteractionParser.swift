#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Line-by-line parsing of interaction files held in memory. Emits events in file order.
struct InteractionParser {
    typealias Failure = InteractionFileError
    typealias Sink = (Event) throws(InteractionFileError) -> Void

    let base: UnsafePointer<UInt8>
    let path: String
    let format: InteractionFileFormat
    let limits: EventLimits
    /// 1-based number of the line being parsed.
    var lineNumber = 0
    /// Next synthetic timestamp (file order).
    var synthetic: Int64 = 0
    /// Reused field boundaries of the current line.
    var fields: [Field] = []

    struct Field {
        var start: Int
        var end: Int
        var quoted: Bool
    }

    /// Parses `bytes` as `format`, calling `sink` with each event.
    static func parse(
        _ bytes: [UInt8], path: String, format: InteractionFileFormat, limits: EventLimits, _ sink: Sink
    ) throws(Failure) {
        let result: Failure? = bytes.withUnsafeBufferPointer { buffer -> Failure? in
            guard let base = buffer.baseAddress, buffer.count > 0 else { return nil }
            var parser = InteractionParser(base: base, path: path, format: format, limits: limits)
            do throws(Failure) {
                try parser.run(count: buffer.count, sink)
                return nil
            } catch {
                return error
            }
        }
        if let result { throw result }
    }

    // MARK: Lines

    private mutating func run(count: Int, _ sink: Sink) throws(Failure) {
        var i = 0
        if count >= 3 && base[0] == 0xEF && base[1] == 0xBB && base[2] == 0xBF { i = 3 }
        var csv: CSVColumns?
        let decoder = EventDecoder(limits: limits)
        fields.reserveCapacity(16)
        while i < count {
            lineNumber += 1
            let newline = memchr(base + i, 0x0A, count - i)
            let next = newline.map { UnsafeRawPointer($0) - UnsafeRawPointer(base) } ?? count
            var end = next
            if end > i && base[end - 1] == 0x0D { end -= 1 }
            let start = i
            i = next + 1
            if isBlank(start, end) { continue }
            switch format {
            case .movielens: try delimitedRow(start, end, separator: .doubleColon, sink)
            case .tab: try delimitedRow(start, end, separator: .tab, sink)
            case .sequence: try sequenceRow(start, end, sink)
            case .jsonl: try jsonRow(start, end, decoder: decoder, sink)
            case .csv:
                if var columns = csv {
                    try csvRow(start, end, columns: &columns, sink)
                    csv = columns
                } else {
                    csv = try csvHeader(start, end)
                }
            }
        }
        if format == .csv && csv == nil {
            throw Failure(.badHeader, path: path, line: nil, message: "the file has no header row")
        }
    }

    private func isBlank(_ start: Int, _ end: Int) -> Bool {
        var k = start
        while k < end {
            let b = base[k]
            if b != 0x20 && b != 0x09 { return false }
            k += 1
        }
        return true
    }

    func fail(_ message: String) -> Failure {
        Failure(.badLine, path: path, line: lineNumber, message: message)
    }

    mutating func nextSyntheticTimestamp() -> Int64 {
        defer { synthetic += InteractionFileReader.syntheticStepMs }
        return synthetic
    }

    // MARK: MovieLens and u.data

    private enum Separator { case doubleColon, tab }

    private mutating func delimitedRow(_ start: Int, _ end: Int, separator: Separator, _ sink: Sink) throws(Failure) {
        fields.removeAll(keepingCapacity: true)
        var fieldStart = start
        var k = start
        while k < end {
            if separator == .tab && base[k] == 0x09 {
                fields.append(Field(start: fieldStart, end: k, quoted: false))
                fieldStart = k + 1
            } else if separator == .doubleColon && base[k] == 0x3A && k + 1 < end && base[k + 1] == 0x3A {
                fields.append(Field(start: fieldStart, end: k, quoted: false))
                k += 1
                fieldStart = k + 1
            }
            k += 1
        }
        fields.append(Field(start: fieldStart, end: end, quoted: false))
        guard (2...4).contains(fields.count) else {
            throw fail("expected 2 to 4 fields (user, item, rating, timestamp), found \(fields.count)")
        }
        let user = try id(fields[0], "user")
        let item = try id(fields[1], "item")
        var value: Float?
        if fields.count >= 3 { value = try rating(fields[2]) }
        let ts: Int64
        if fields.count == 4 { ts = try timestamp(fields[3], scale: 1_000) } else { ts = nextSyntheticTimestamp() }
        try sink(Event(user: user, item: item, type: value == nil ? .click : .rating, value: value, timestampMs: ts))
    }

    // MARK: Sequences

    private mutating func sequenceRow(_ start: Int, _ end: Int, _ sink: Sink) throws(Failure) {
        var k = start
        var user: String?
        while k < end {
            while k < end && (base[k] == 0x20 || base[k] == 0x09) { k += 1 }
            if k == end { break }
            let tokenStart = k
            while k < end && base[k] != 0x20 && base[k] != 0x09 { k += 1 }
            let field = Field(start: tokenStart, end: k, quoted: false)
            if let user {
                let item = try id(field, "item")
                try sink(Event(user: user, item: item, type: .click, timestampMs: nextSyntheticTimestamp()))
            } else {
                user = try id(field, "user")
            }
        }
    }

    // MARK: JSON lines

    private mutating func jsonRow(_ start: Int, _ end: Int, decoder: EventDecoder, _ sink: Sink) throws(Failure) {
        let fallback = nextSyntheticTimestamp()
        let event: Event
        do {
            event = try decoder.decode(UnsafeRawBufferPointer(start: base + start, count: end - start),
                                       fallbackTimestampMs: fallback)
        } catch {
            throw fail("\(error.reason): \(error.description)")
        }
        try sink(event)
    }

    // MARK: Fields

    /// An id: non-empty, within the id limit, valid UTF-8; CSV quotes removed.
    func id(_ f: Field, _ name: String) throws(Failure) -> String {
        let bytes = UnsafeBufferPointer(start: base + f.start, count: f.end - f.start)
        guard f.quoted else { return try makeID(bytes, name) }
        let unquoted = CSVColumns.unquote(bytes)
        do {
            return try unquoted.withUnsafeBufferPointer { try makeID($0, name) }
        } catch let error as Failure {
            throw error
        } catch {
            throw fail("\(error)")
        }
    }

    private func makeID(_ bytes: UnsafeBufferPointer<UInt8>, _ name: String) throws(Failure) -> String {
        guard !bytes.isEmpty else { throw fail("empty \(name) id") }
        guard bytes.count <= limits.maxIdBytes else {
            throw fail("\(name) id longer than \(limits.maxIdBytes) bytes")
        }
        var ascii = true
        for b in bytes where b >= 0x80 { ascii = false; break }
        if ascii { return String(decoding: bytes, as: UTF8.self) }
        guard let s = String(validating: bytes, as: UTF8.self) else { throw fail("\(name) id is not valid UTF-8") }
        return s
    }

    func text(_ f: Field) -> String {
        String(decoding: UnsafeBufferPointer(start: base + f.start, count: f.end - f.start), as: UTF8.self)
    }

    /// A finite rating value.
    func rating(_ f: Field) throws(Failure) -> Float {
        guard let v = NumberText.double(base, f.start, f.end), v.isFinite, Float(v).isFinite else {
            throw fail("rating '\(text(f))' is not a finite number")
        }
        return Float(v)
    }

    /// A non-negative timestamp in the file's unit, converted to milliseconds by `scale`.
    func timestamp(_ f: Field, scale: Double) throws(Failure) -> Int64 {
        if scale == 1_000, let whole = NumberText.int64(base, f.start, f.end) {
            guard whole >= 0, whole <= EventDecoder.maxTimestampMs / 1_000 else {
                throw fail("timestamp '\(text(f))' is out of range")
            }
            return whole * 1_000
        }
        guard let v = NumberText.double(base, f.start, f.end) else {
            throw fail("timestamp '\(text(f))' is not a number")
        }
        let ms = (v * scale).rounded()
        guard ms >= 0, ms <= Double(EventDecoder.maxTimestampMs) else {
            throw fail("timestamp '\(text(f))' is out of range")
        }
        return Int64(ms)
    }
}
