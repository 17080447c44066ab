import Models

/// Partition-scoped state: the users of one input partition leave with it and come back with
/// its restore, by external ids (the other instance numbers rows and items differently).
extension RecommenderCore {
    /// The state of user row `row`, by ids (a spilled session window included).
    public func exportUser(row: Int32) -> PartitionUserState {
        let u = Int(row)
        let id = users.id(at: row)
        let d = model.factors
        let vector = Array(UnsafeBufferPointer(start: model.userFactors.row(u), count: d))
        let window = session?.exportWindow(user: u, id: id) ?? ([], [], .min, [])
        var state = PartitionUserState(
            id: id, lastSource: table.lastSource[u], eventCount: table.eventCount[u],
            publishedCount: table.publishedCount[u], mfCount: model.userCount[u], bias: model.userBias[u],
            factors: vector, seen: table.seen[u].map { items.id(at: $0) }.sorted(),
            lastList: table.lastList[u].map { items.id(at: $0) },
            sessionItems: window.items, sessionTimes: window.times, sessionLastEventMs: window.lastEventMs)
        state.sessionTypes = window.types
        if let forward = session?.exportForward(user: u), !forward.state.isEmpty {
            state.sessionForward = forward.state
            state.sessionForwardModel = forward.model
            state.sessionPending = forward.pending
        }
        return state
    }

    /// Appends the record of user row `row` (`PartitionUserState`'s binary form, the same bytes
    /// as `exportUser(row:).encoded()`) to `w`, written from the tables directly.
    public func appendUserRecord(row: Int32, to w: inout ByteWriter) {
        let u = Int(row)
        let id = users.id(at: row)
        let start = w.count
        PartitionUserState.encodeHead(into: &w, id: id, lastSource: table.lastSource[u], eventCount: table.eventCount[u],
                                      publishedCount: table.publishedCount[u], mfCount: model.userCount[u],
                                      bias: model.userBias[u], factors: model.userFactors.rowBuffer(u))
        // Seen items by id, sorted (one needs no sort, and no array).
        let seen = table.seen[u]
        if seen.count <= 1 {
            PartitionUserState.encodeStrings(into: &w, count: seen.count) { _ in items.id(at: seen.first!) }
        } else {
            let sorted = seen.sorted { items.id(at: $0) < items.id(at: $1) }
            PartitionUserState.encodeStrings(into: &w, count: sorted.count) { items.id(at: sorted[$0]) }
        }
        let list = table.lastList[u]
        PartitionUserState.encodeStrings(into: &w, count: list.count) { items.id(at: list[$0]) }
        let extended = session?.appendRecordSession(user: u, id: id, to: &w) ?? PartitionUserState.encodeNoSession(into: &w)
        if extended { PartitionUserState.markVersion2(&w, recordAt: start) }
    }

    /// Like `takeChangedUsers(in:)`, but as records ready for the changelog (values after
    /// `prefix`), one batch per partition.
    public func takeChangedUserRecords(in partitions: Set<Int32>, prefix: [UInt8]) -> [Int32: UserRecordBatch] {
        var out: [Int32: UserRecordBatch] = [:]
        var kept: [Int32] = []
        for row in changedRows {
            let u = Int(row)
            let id = users.id(at: row)
            guard !id.isEmpty else { changedSinceTaken[u] = false; continue }
            let p = table.lastSource[u].partition
            if partitions.contains(p) {
                changedSinceTaken[u] = false
                out[p, default: UserRecordBatch(prefix: prefix)].add(id: id) { appendUserRecord(row: row, to: &$0) }
            } else {
                kept.append(row)
            }
        }
        changedRows = kept
        return out
    }

    /// The users that changed since the last call whose partition is in `partitions`, by
    /// partition; the others stay flagged for a later call.
    public func takeChangedUsers(in partitions: Set<Int32>) -> [Int32: [PartitionUserState]] {
        var out: [Int32: [PartitionUserState]] = [:]
        var kept: [Int32] = []
        for row in changedRows {
            let u = Int(row)
            guard !users.id(at: row).isEmpty else { changedSinceTaken[u] = false; continue }
            let p = table.lastSource[u].partition
            if partitions.contains(p) {
                changedSinceTaken[u] = false
                out[p, default: []].append(exportUser(row: row))
            } else {
                kept.append(row)
            }
        }
        changedRows = kept
        return out
    }

    /// Every user of `partition`, by ids.
    public func exportPartition(_ partition: Int32) -> [PartitionUserState] {
        var out: [PartitionUserState] = []
        for u in 0..<table.count where table.lastSource[u].partition == partition && !users.id(at: Int32(u)).isEmpty {
            out.append(exportUser(row: Int32(u)))
        }
        return out
    }

    /// Installs `state` for its user (replacing what this instance held for the id): the vector
    /// (when its width matches `model.factors`; else the user starts a new vector), bias, seen
    /// items and last list (items unknown here are registered), counters and the session
    /// window. Marks nothing dirty and applies no event.
    public func importUser(_ state: PartitionUserState) throws(EngineRejection) {
        let row = try userIndex(for: state.id, randomVector: state.factors.count != model.factors)
        let u = Int(row)
        if state.factors.count == model.factors {
            model.setUser(row, factors: state.factors, bias: state.bias, count: state.mfCount)
        }
        table.reset(u)
        var seen = Set<Int32>()
        seen.reserveCapacity(state.seen.count)
        for id in state.seen { if let item = try? itemIndex(for: id) { seen.insert(item) } }
        table.seen[u] = seen
        table.lastList[u] = state.lastList.compactMap { try? itemIndex(for: $0) }
        table.eventCount[u] = state.eventCount
        table.publishedCount[u] = state.publishedCount
        table.lastSource[u] = state.lastSource
        table.lastActive[u] = appliedEvents
        session?.importWindow(user: u, items: state.sessionItems, times: state.sessionTimes, types: state.sessionTypes,
                              lastEventMs: state.sessionLastEventMs, users: users)
        session?.importForward(user: u, state: state.sessionForward, model: state.sessionForwardModel,
                               pending: state.sessionPending)
    }

    /// Makes room for `additional` more users than are held, so importing that many grows
    /// each per-user array once (a restore of a whole partition).
    public func reserveUsers(additional: Int) {
        let total = users.count + additional
        model.reserve(users: total, items: model.items)
        table.reserve(total)
        users.reserve(total)
    }

    /// Removes the user whose id is `id`, if held (a changelog tombstone). Returns whether it was.
    @discardableResult
    public func removeUser(id: String) -> Bool {
        guard let row = users.index(of: id) else { return false }
        forgetRow(row)
        dirtyQueue.removeAll { $0 == row }
        return true
    }

    /// Forgets every user of `partition` (it moved to another instance) and its applied-event
    /// count; their rows are reused by new users. Returns the users forgotten.
    @discardableResult
    public func dropPartition(_ partition: Int32) -> Int {
        var dropped = Set<Int32>()
        for u in 0..<table.count where table.lastSource[u].partition == partition && !users.id(at: Int32(u)).isEmpty {
            forgetRow(Int32(u))
            dropped.insert(Int32(u))
        }
        if !dropped.isEmpty { dirtyQueue.removeAll { dropped.contains($0) } }
        if Int(partition) < appliedByPartition.count { appliedByPartition[Int(partition)] = 0 }
        return dropped.count
    }

    /// Sets the applied-event count of `partition` (from a restored changelog marker).
    public func setApplied(_ count: Int64, partition: Int32) {
        let p = Int(partition)
        guard p >= 0 else { return }
        if p >= appliedByPartition.count { appliedByPartition += Array(repeating: 0, count: p + 1 - appliedByPartition.count) }
        appliedByPartition[p] = count
    }

    /// The input partition user `id` belongs to here (nil: not held).
    public func partition(ofUser id: String) -> Int32? {
        guard let row = users.index(of: id) else { return nil }
        let p = table.lastSource[Int(row)].partition
        return p >= 0 ? p : nil
    }

    private func forgetRow(_ row: Int32) {
        let u = Int(row)
        session?.forget(user: u, id: users.id(at: row))
        users.forget(row)
        table.reset(u)
        // The vector is reset when the row is reused (`userIndex`), not here.
        if u < changedSinceTaken.count { changedSinceTaken[u] = false }
        freeUserRows.append(row)
    }
}

extension RecommenderCore {
    /// Forgets that `id`'s last list was published (its delivery failed) and queues the user for
    /// a refresh, so the list is published again.
    public func forgetPublishedList(of id: String) {
        guard let row = users.index(of: id) else { return }
        let u = Int(row)
        table.lastList[u] = []
        table.lastPublishedMs[u] = .min
        if tracksChanges { markChanged(row) }
        if !table.isDirty[u] {
            table.isDirty[u] = true
            dirtyQueue.append(row)
        }
    }

    /// Flags the user `id` as changed, so the next `takeChangedUsers` includes it (a changelog
    /// round that did not complete is written again).
    public func markChanged(id: String) {
        guard let row = users.index(of: id) else { return }
        markChanged(row)
    }
}
