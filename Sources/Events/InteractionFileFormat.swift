/// Layouts of interaction files that `InteractionFileReader` understands.
public enum InteractionFileFormat: String, CaseIterable, Sendable {
    /// MovieLens `ratings.dat`: `user::item::rating[::timestamp-seconds]`.
    case movielens
    /// MovieLens `u.data`: `user<TAB>item[<TAB>rating[<TAB>timestamp-seconds]]`.
    case tab
    /// Delimited text with a header row (delimiter `,`, `;` or TAB, found from the header).
    /// Columns (case-insensitive, `_` ignored): user `userId|user|user_id|UserId` (falling back
    /// to `sessionId|session`), item `itemId|movieId|item|item_id|ItemId`, optional `rating|value`,
    /// optional `timestamp|ts|time` (seconds when below 1e11, else milliseconds; decimals allowed).
    case csv
    /// One schema v1 JSON object per line.
    case jsonl
    /// `user item1 item2 ...` per line, items in time order (S3-Rec / SASRec files).
    case sequence

    /// True when the rows carry their own timestamps, so reading sorts by time.
    var carriesTimestamps: Bool {
        switch self {
        case .movielens, .tab, .csv, .jsonl: true
        case .sequence: false
        }
    }
}
