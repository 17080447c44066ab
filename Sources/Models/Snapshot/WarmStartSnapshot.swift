/// What `streamrec train` writes and the daemon loads as its warm start: an ``OnlineMFSnapshot``
/// plus the external ids of its rows (`userIds[k]` is row k).
public struct WarmStartSnapshot: Sendable, Equatable {
    /// The learner state.
    public var model: OnlineMFSnapshot
    /// External id of each user row.
    public var userIds: [String]
    /// External id of each item row.
    public var itemIds: [String]

    /// Creates a warm start; throws ``ModelError`` when the id lists do not match the rows.
    public init(model: OnlineMFSnapshot, userIds: [String], itemIds: [String]) throws {
        guard userIds.count == model.users, itemIds.count == model.items else {
            throw ModelError(.shapeMismatch, "WarmStartSnapshot: \(userIds.count) user ids for \(model.users) rows, \(itemIds.count) item ids for \(model.items) rows")
        }
        self.model = model
        self.userIds = userIds
        self.itemIds = itemIds
    }

    /// Adds the model sections and `ids.users` / `ids.items` to `writer`.
    public func write(into writer: inout SnapshotWriter) {
        model.write(into: &writer)
        writer.addSection("ids.users") { $0.append(userIds) }
        writer.addSection("ids.items") { $0.append(itemIds) }
    }

    /// Writes a complete snapshot file atomically.
    public func write(toPath path: String) throws {
        var w = SnapshotWriter()
        write(into: &w)
        try w.write(toPath: path)
    }

    /// Reads the sections written by ``write(into:)``.
    public init(reader: SnapshotReader) throws {
        let model = try OnlineMFSnapshot(reader: reader)
        var u = try reader.reader(for: "ids.users")
        var i = try reader.reader(for: "ids.items")
        let users = try u.readStrings(), items = try i.readStrings()
        do {
            try self.init(model: model, userIds: users, itemIds: items)
        } catch let e as ModelError {
            throw SnapshotError(.malformed, e.message)
        }
    }

    /// Reads a snapshot file.
    public init(path: String) throws {
        try self.init(reader: SnapshotReader(path: path))
    }
}
