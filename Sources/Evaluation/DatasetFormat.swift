/// Layout of an interaction file.
public enum DatasetFormat: String, Sendable, Codable, CaseIterable {
    /// MovieLens-100K `u.data`: `user\titem\trating\ttimestamp`.
    case udata
    /// MovieLens-1M `ratings.dat`: `user::item::rating::timestamp`.
    case movielensDat = "dat"
    /// CSV with a header naming user, item, rating (optional) and timestamp (optional) columns
    /// (MovieLens `ratings.csv`: `userId,movieId,rating,timestamp`).
    case csv
    /// One line per user: `user item1 item2 …`, oldest first (S3-Rec family); value 1, timestamp = position.
    case sequence
    /// Decide from the file name (`u.data`, `*.dat`, `*.csv`, `*.txt` → sequence).
    case auto

    /// Chooses the format for `path` when `self` is ``auto``.
    public func resolved(for path: String) -> DatasetFormat {
        guard self == .auto else { return self }
        let name = path.split(separator: "/").last.map(String.init) ?? path
        if name.hasSuffix(".dat") { return .movielensDat }
        if name.hasSuffix(".csv") { return .csv }
        if name.hasSuffix(".txt") { return .sequence }
        return .udata
    }
}
