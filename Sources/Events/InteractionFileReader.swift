/// Reads interaction files (MovieLens, u.data, CSV, JSON lines, item sequences) into events.
///
/// Ids are kept as the file spells them. Rating rows give `.rating` events with their value;
/// other rows give `.click` events. MovieLens and u.data timestamps are seconds and become
/// milliseconds. Rows without a timestamp get synthetic ones, 1000 ms apart in file order,
/// starting at 0, so time order equals file order.
public struct InteractionFileReader {
    /// Spacing of synthetic timestamps, in milliseconds.
    public static let syntheticStepMs: Int64 = 1_000

    /// Finds the format of `path` from its name and first non-blank line.
    public static func detectFormat(path: String) throws(InteractionFileError) -> InteractionFileFormat {
        let head = try FileBytes.load(path: path, limit: 4_096)
        guard let format = detectFormat(name: path, head: head) else {
            throw InteractionFileError(.unknownFormat, path: path, message: "cannot tell the file format from its name and first line")
        }
        return format
    }

    /// Reads every event of the file at `path`. Formats with timestamps are stably sorted by
    /// time; sequence files keep file order (their timestamps are already increasing).
    public static func read(
        path: String, format: InteractionFileFormat? = nil, limits: EventLimits = EventLimits()
    ) throws(InteractionFileError) -> [Event] {
        let bytes = try FileBytes.load(path: path)
        let resolved = if let format { format } else { try resolve(path: path, bytes: bytes) }
        var events: [Event] = []
        events.reserveCapacity(bytes.count / 16)
        try InteractionParser.parse(bytes, path: path, format: resolved, limits: limits) { events.append($0) }
        if resolved.carriesTimestamps {
            var sorted = true
            for i in events.indices.dropFirst() where events[i].timestampMs < events[i - 1].timestampMs {
                sorted = false
                break
            }
            if !sorted {
                // Stable: break ties by original position.
                let order = events.indices.sorted {
                    let a = events[$0].timestampMs, b = events[$1].timestampMs
                    return a < b || (a == b && $0 < $1)
                }
                events = order.map { events[$0] }
            }
        }
        return events
    }

    /// Calls `body` with each event of the file in file order (not sorted by time), without
    /// building an array of events.
    public static func forEachEvent(
        path: String, format: InteractionFileFormat? = nil, limits: EventLimits = EventLimits(),
        _ body: (Event) throws(InteractionFileError) -> Void
    ) throws(InteractionFileError) {
        let bytes = try FileBytes.load(path: path)
        let resolved = if let format { format } else { try resolve(path: path, bytes: bytes) }
        try InteractionParser.parse(bytes, path: path, format: resolved, limits: limits, body)
    }

    /// Calls `body` with each event of file contents already in memory, in file order; `name`
    /// stands for the path in errors and in format detection.
    public static func forEachEvent(
        bytes: [UInt8], name: String, format: InteractionFileFormat? = nil, limits: EventLimits = EventLimits(),
        _ body: (Event) throws(InteractionFileError) -> Void
    ) throws(InteractionFileError) {
        let resolved = if let format { format } else { try resolve(path: name, bytes: bytes) }
        try InteractionParser.parse(bytes, path: name, format: resolved, limits: limits, body)
    }

    private static func resolve(path: String, bytes: [UInt8]) throws(InteractionFileError) -> InteractionFileFormat {
        guard let format = detectFormat(name: path, head: bytes.prefix(4_096)) else {
            throw InteractionFileError(.unknownFormat, path: path, message: "cannot tell the file format from its name and first line")
        }
        return format
    }

    /// Detection rules, in order: `.jsonl`/`.ndjson` name or a line starting with `{` → jsonl;
    /// `::` in the line → movielens; a letter in the line with a `,`/`;`/TAB delimiter, or a
    /// `.csv` name → csv; TAB → tab; space-separated tokens → sequence.
    static func detectFormat(name: String, head: some Collection<UInt8>) -> InteractionFileFormat? {
        let lower = name.lowercased()
        if lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") { return .jsonl }
        var bytes = Array(head)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        // First non-blank line.
        var line: ArraySlice<UInt8> = []
        for candidate in bytes.split(separator: 0x0A, omittingEmptySubsequences: true) {
            let trimmed = candidate.drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
            if !trimmed.isEmpty { line = candidate; break }
        }
        let firstChar = line.first { $0 != 0x20 && $0 != 0x09 }
        if firstChar == 0x7B { return .jsonl }
        if lower.hasSuffix(".csv") { return .csv }
        if line.isEmpty { return nil }
        if zip(line, line.dropFirst()).contains(where: { $0 == 0x3A && $1 == 0x3A }) { return .movielens }
        let hasLetter = line.contains { ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A }
        let hasDelimiter = line.contains { $0 == 0x2C || $0 == 0x3B || $0 == 0x09 }
        if hasLetter && hasDelimiter { return .csv }
        if line.contains(0x09) { return .tab }
        if lower.hasSuffix(".dat") { return .movielens }
        if line.contains(0x20) || !hasLetter { return .sequence }
        return nil
    }
}
