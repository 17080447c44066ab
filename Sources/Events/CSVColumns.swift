/// The column layout of a CSV interaction file, read from its header row.
struct CSVColumns {
    var delimiter: UInt8
    var user: Int
    var item: Int
    var rating: Int?
    var timestamp: Int?
    var columnCount: Int
    /// Milliseconds per timestamp unit; decided from the first data row (0 until then).
    var scale: Double = 0

    static let userNames = ["userid", "user"]
    static let sessionNames = ["sessionid", "session"]
    static let itemNames = ["itemid", "movieid", "item"]
    static let ratingNames = ["rating", "value"]
    static let timestampNames = ["timestamp", "ts", "time"]

    /// Lowercased, without `_`, `-`, spaces and quotes.
    static func normalize(_ name: String) -> String {
        String(name.lowercased().filter { $0 != "_" && $0 != "-" && $0 != " " && $0 != "\"" })
    }

    /// Removes the surrounding quotes of a quoted field and turns `""` into `"`.
    static func unquote(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var k = 1
        let last = bytes.count - 1
        while k < last {
            let b = bytes[k]
            out.append(b)
            k += (b == 0x22 && k + 1 < last && bytes[k + 1] == 0x22) ? 2 : 1
        }
        return out
    }
}

extension InteractionParser {
    /// Splits a CSV line on `delimiter`, honouring double-quoted fields.
    mutating func splitCSV(_ start: Int, _ end: Int, delimiter: UInt8) throws(Failure) {
        fields.removeAll(keepingCapacity: true)
        var k = start
        while true {
            let fieldStart = k
            var quoted = false
            if k < end && base[k] == 0x22 {
                quoted = true
                k += 1
                while true {
                    guard k < end else { throw fail("unterminated quoted field") }
                    if base[k] == 0x22 {
                        if k + 1 < end && base[k + 1] == 0x22 { k += 2; continue }
                        k += 1
                        break
                    }
                    k += 1
                }
                guard k == end || base[k] == delimiter else { throw fail("text after a closing quote") }
            } else {
                while k < end && base[k] != delimiter { k += 1 }
            }
            fields.append(Field(start: fieldStart, end: k, quoted: quoted))
            if k == end { return }
            k += 1 // delimiter
        }
    }

    /// Reads the header row: delimiter and column positions.
    mutating func csvHeader(_ start: Int, _ end: Int) throws(Failure) -> CSVColumns {
        var counts: [(UInt8, Int)] = [(0x2C, 0), (0x3B, 0), (0x09, 0)]
        for k in start..<end {
            for j in counts.indices where counts[j].0 == base[k] { counts[j].1 += 1 }
        }
        let delimiter = counts.max { $0.1 < $1.1 }.map { $0.1 > 0 ? $0.0 : 0x2C } ?? 0x2C
        try splitCSV(start, end, delimiter: delimiter)
        let names = fields.map { CSVColumns.normalize(text($0)) }
        func find(_ candidates: [String]) -> Int? {
            for c in candidates { if let i = names.firstIndex(of: c) { return i } }
            return nil
        }
        guard let user = find(CSVColumns.userNames) ?? find(CSVColumns.sessionNames) else {
            throw Failure(.badHeader, path: path, line: lineNumber,
                          message: "no user column (userId, user, user_id, UserId) in the header")
        }
        guard let item = find(CSVColumns.itemNames) else {
            throw Failure(.badHeader, path: path, line: lineNumber,
                          message: "no item column (itemId, movieId, item, item_id, ItemId) in the header")
        }
        return CSVColumns(delimiter: delimiter, user: user, item: item, rating: find(CSVColumns.ratingNames),
                          timestamp: find(CSVColumns.timestampNames), columnCount: names.count)
    }

    /// Parses one CSV data row.
    mutating func csvRow(_ start: Int, _ end: Int, columns: inout CSVColumns, _ sink: Sink) throws(Failure) {
        try splitCSV(start, end, delimiter: columns.delimiter)
        guard fields.count == columns.columnCount else {
            throw fail("expected \(columns.columnCount) fields, found \(fields.count)")
        }
        let user = try id(fields[columns.user], "user")
        let item = try id(fields[columns.item], "item")
        let value = try columns.rating.map { c throws(Failure) in try rating(fields[c]) }
        let ts: Int64
        if let c = columns.timestamp {
            if columns.scale == 0 {
                guard let first = NumberText.double(base, fields[c].start, fields[c].end) else {
                    throw fail("timestamp '\(text(fields[c]))' is not a number")
                }
                columns.scale = abs(first) < 1e11 ? 1_000 : 1
            }
            ts = try timestamp(fields[c], scale: columns.scale)
        } else {
            ts = nextSyntheticTimestamp()
        }
        try sink(Event(user: user, item: item, type: value == nil ? .click : .rating, value: value, timestampMs: ts))
    }
}
