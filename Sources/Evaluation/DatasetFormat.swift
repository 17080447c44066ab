import Events

/// Layout of an interaction file.
public enum DatasetFormat: String, Sendable, Codable, CaseIterable {
    /// MovieLens-100K `u.data`: `user\titem\trating\ttimestamp`.
    case udata
    /// MovieLens-1M `ratings.dat`: `user::item::rating::timestamp`.
    case movielensDat = "dat"
    /// CSV with a header naming user, item, rating (optional) and timestamp (optional) columns
    /// (MovieLens `ratings.csv`: `userId,movieId,rating,timestamp`).
    case csv
    /// One schema v1 JSON event per line (what `streamrec produce` reads); value 1 without a rating.
    case jsonl
    /// One line per user: `user item1 item2 …`, oldest first (S3-Rec family); value 1, timestamp = position.
    case sequence
    /// Decide from the file name (`*.dat`, `*.csv`, `*.jsonl`/`*.ndjson`, `*.txt` → sequence),
    /// else from the first line as `streamrec produce` does.
    case auto

    /// Chooses the format for `path` when `self` is ``auto``: by name, else left to detection
    /// (``auto``), which finds u.data's tabs.
    public func resolved(for path: String) -> DatasetFormat {
        guard self == .auto else { return self }
        let name = path.split(separator: "/").last.map(String.init) ?? path
        if name.hasSuffix(".dat") { return .movielensDat }
        if name.hasSuffix(".csv") { return .csv }
        if name.hasSuffix(".jsonl") || name.hasSuffix(".ndjson") { return .jsonl }
        if name.hasSuffix(".txt") { return .sequence }
        if name == "u.data" { return .udata }
        return .auto
    }

    /// The reader's format (nil: detect from the contents).
    var fileFormat: InteractionFileFormat? {
        switch self {
        case .udata: .tab
        case .movielensDat: .movielens
        case .csv: .csv
        case .jsonl: .jsonl
        case .sequence: .sequence
        case .auto: nil
        }
    }
}
