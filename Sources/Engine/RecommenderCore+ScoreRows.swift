extension RecommenderCore {
    /// Hands `body` the score row the refresh ranks each of `userIds` by, before seen items are
    /// masked and the top K selected: in the engine's item order (`itemId(at:)`), item bias plus
    /// MF dot product, fused with the session model's scores for a user with a session window
    /// (the session scores alone for a user with too few events for MF). The same scorer and
    /// fusion as the published lists (`streamrec eval` ranks the hybrid with it). Unknown ids are
    /// skipped; a spilled session window is restored first. `body` gets the position of the id in
    /// `userIds`; the row is valid during the call only.
    public func scoreRows(forUsers userIds: [String], _ body: (Int, UnsafeBufferPointer<Float>) -> Void) {
        var rows: [Int32] = []
        var position: [Int32: Int] = [:]
        rows.reserveCapacity(userIds.count)
        for (k, id) in userIds.enumerated() {
            guard let row = users.index(of: id), position[row] == nil else { continue }
            session?.restoreIfSpilled(user: Int(row), users: users)
            rows.append(row)
            position[row] = k
        }
        scorer.scoreRows(rows, core: self) { row, scores in body(position[row]!, scores) }
    }

    /// Items known to the engine, in its item order (the order of `scoreRows` rows).
    public var itemIds: [String] { items.ids }
}
