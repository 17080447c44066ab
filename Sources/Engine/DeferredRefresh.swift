/// A refresh whose hybrid lists are still being ranked on the scorer's background lane: what
/// its lists will say about each user, taken when it started (id, model, the event the list is
/// based on), so the lists published at its end are those of that moment.
struct DeferredRefresh {
    let ranking: PendingRanking
    /// The users of `ranking`, for lookups.
    let members: Set<Int32>
    /// Per user of `ranking`, in its order: the user's id when the ranking started (a row freed
    /// or given to another user meanwhile no longer matches, and its list is dropped).
    let ids: [String]
    let models: [String]
    let basedOn: [EventSource]
    /// The refresh's clocks and the events applied when it started.
    let nowMs: Int64
    let wallClockMs: Int64
    let version: Int64
}
