import Events
import Foundation

/// Reads interaction files into ``Interactions`` through Events' `InteractionFileReader` (the
/// parser `streamrec produce` uses): MovieLens u.data / ratings.dat, CSV, JSON lines and the
/// one-line-per-user sequence files. Rows keep the file order. Values are the ratings (1 for
/// events without one); timestamps are seconds (MovieLens, CSV, JSON lines; sub-second parts are
/// dropped) or, in sequence files, each event's position in its user's line. u.data and
/// ratings.dat lines must carry a rating. A malformed line is an error naming it.
public enum DatasetLoader {
    /// Loads `path` in `format` (``DatasetFormat/auto`` picks by file name, then by content).
    public static func load(path: String, format: DatasetFormat = .auto) throws -> Interactions {
        guard FileManager.default.fileExists(atPath: path) else {
            throw EvaluationError(.fileNotFound, "no dataset at \(path)")
        }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw EvaluationError(.fileNotFound, "cannot read \(path): \(error)")
        }
        return try parse([UInt8](data), name: path, format: format.resolved(for: path))
    }

    /// Parses file contents already in memory.
    public static func parse(_ text: String, format: DatasetFormat) throws -> Interactions {
        try parse(Array(text.utf8), name: "<text>", format: format)
    }

    private static func parse(_ bytes: [UInt8], name: String, format: DatasetFormat) throws -> Interactions {
        var users: [String] = [], items: [String] = [], values: [Float] = [], times: [Int64] = []
        var positions: [String: Int64] = [:]
        let needsRating = format == .udata || format == .movielensDat
        // Ratings of any scale: the evaluation does not apply the daemon's input bounds.
        let limits = EventLimits(ratingRange: -Float.greatestFiniteMagnitude...Float.greatestFiniteMagnitude)
        do throws(InteractionFileError) {
            try InteractionFileReader.forEachEvent(bytes: bytes, name: name, format: format.fileFormat, limits: limits) { (event) throws(InteractionFileError) in
                if needsRating && event.value == nil {
                    throw InteractionFileError(.badLine, path: name, line: users.count + 1,
                                               message: "expected user, item, rating and timestamp")
                }
                users.append(event.user); items.append(event.item); values.append(event.value ?? 1)
                if format == .sequence {
                    times.append(positions[event.user, default: 0])
                    positions[event.user, default: 0] += 1
                } else {
                    times.append(event.timestampMs / 1000)
                }
            }
        } catch {
            throw EvaluationError(error.code == .unreadable ? .fileNotFound : error.code == .unknownFormat ? .unknownFormat : .parse,
                                  error.description)
        }
        guard !users.isEmpty else { throw EvaluationError(.emptyData, "no interactions") }
        return try Interactions(userIds: users, itemIds: items, value: values, timestamp: times)
    }
}
