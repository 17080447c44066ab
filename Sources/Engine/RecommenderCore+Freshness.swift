extension RecommenderCore {
    /// Whether `userId` has an applied event that no list reflects yet while a list for them is
    /// due (their debounce interval has passed). With `engine.debounce_ms` 0 the pipeline asks
    /// this before applying each event and, when true, refreshes first: every list a user is
    /// shown then reflects all of their earlier events, even when a burst of theirs arrives in
    /// one fetch.
    /// A user whose list is being ranked on the ranking lane awaits it too (it is not out yet).
    public func awaitsList(userId: String, nowMs: Int64) -> Bool {
        guard dirtyCount > 0 || deferredRefresh != nil else { return false }
        guard let user = users.index(of: userId) else { return false }
        if let deferred = deferredRefresh, deferred.members.contains(user) { return true }
        let u = Int(user)
        guard u < table.isDirty.count, table.isDirty[u] else { return false }
        return listDue(u, nowMs: nowMs)
    }

    /// Whether user row `u`'s debounce interval has passed (or no list was published yet).
    @inline(__always)
    func listDue(_ u: Int, nowMs: Int64) -> Bool {
        let last = table.lastPublishedMs[u]
        return last == .min || nowMs - last >= configuration.debounceMs
    }
}
