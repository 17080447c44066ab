/// Names and version of the session parts of a model snapshot, shared by the writer
/// (`streamrec train-session`) and the reader (the daemon's session state).
public enum SessionSnapshotLayout {
    /// Section names: the Bi-GRU weights, the external id of each session item index, and the meta record.
    public static let sections = (model: "session.bigru", items: "session.items", meta: "session.meta")
    /// Version of the `session.meta` layout: `UInt32 version`, `Float mfWeight`, `Float sessionWeight`.
    public static let metaVersion: UInt32 = 1
}
