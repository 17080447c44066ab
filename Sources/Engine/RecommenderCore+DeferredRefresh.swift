/// A refresh that leaves its largest ranking (the users with a session window) to the scorer's
/// background lane while events go on being applied; its lists are published by
/// `completeDeferredRefresh`, which every refresh also calls first, so lists go out in order.
extension RecommenderCore {
    /// Whether a deferred refresh has lists still to publish.
    public var hasDeferredRefresh: Bool { deferredRefresh != nil }

    /// Notes the users of a ranking handed to the background lane: they are no longer dirty, so
    /// an event applied before their lists are out queues them again.
    func deferRefresh(_ ranking: PendingRanking, nowMs: Int64, wallClockMs: Int64) {
        var ids: [String] = [], models: [String] = [], basedOn: [EventSource] = []
        ids.reserveCapacity(ranking.users.count)
        models.reserveCapacity(ranking.users.count)
        basedOn.reserveCapacity(ranking.users.count)
        for user in ranking.users {
            table.isDirty[Int(user)] = false
            ids.append(users.id(at: user))
            models.append(rankedBy(user))
            basedOn.append(table.lastSource[Int(user)])
        }
        deferredRefresh = DeferredRefresh(ranking: ranking, members: Set(ranking.users), ids: ids, models: models, basedOn: basedOn,
                                          nowMs: nowMs, wallClockMs: wallClockMs, version: appliedEvents)
    }

    /// Publishes the lists of the deferred refresh through `emit` once they are ranked (with
    /// `wait`, waits for them); returns the number emitted. A list that equals the user's last
    /// one is not emitted, as in `refresh`; nor is the list of a row whose user left meanwhile;
    /// a list holding an item withdrawn meanwhile is not emitted and its user is queued again.
    @discardableResult
    public func completeDeferredRefresh(wait: Bool, emit: (RecommendationList) -> Void) -> Int {
        guard let deferred = deferredRefresh else { return 0 }
        if !wait && !deferred.ranking.isDone { return 0 }
        deferred.ranking.wait()
        deferredRefresh = nil
        if let encoding = deferred.ranking.encoding { session?.storeDeferred(encoding) }
        var emitted = 0
        let blocked = catalog.blocked
        for (i, user) in deferred.ranking.users.enumerated() {
            let u = Int(user)
            guard u < table.count, users.id(at: user) == deferred.ids[i] else { continue }
            let ranked = deferred.ranking.lists[i]
            if ranked.contains(where: { $0.index < blocked.count && blocked[$0.index] }) {
                // An item of the list was withdrawn while it was ranked: ranked again, due now.
                queueDueNow(user)
                continue
            }
            guard let list = takeList(user, ranked: ranked, id: deferred.ids[i], model: deferred.models[i],
                                      version: deferred.version, nowMs: deferred.nowMs,
                                      wallClockMs: deferred.wallClockMs, basedOn: deferred.basedOn[i]) else { continue }
            emitted += 1
            emit(list)
        }
        listsPublished += Int64(emitted)
        return emitted
    }

    /// The users whose lists a checkpoint must treat as still due: the dirty queue, and the users
    /// of a deferred refresh not yet published (not queued again by a newer event).
    var dueUsers: [Int32] {
        guard let deferred = deferredRefresh else { return dirtyQueue }
        return dirtyQueue + deferred.ranking.users.filter { Int($0) < table.count && !table.isDirty[Int($0)] }
    }
}
