/// Per-user bookkeeping beside the factors: seen items, counts, the last published list, dirtiness.
///
/// Struct-of-arrays indexed by the dense user index, so the per-event path touches a few slots
/// and allocates only when a user's seen set grows.
public struct UserTable: Sendable {
    /// Items each user has interacted with (excluded from their lists).
    public internal(set) var seen: [Set<Int32>] = []
    /// Events applied per user.
    public internal(set) var eventCount: [Int32] = []
    /// Items of the list last published for each user (empty before the first).
    public internal(set) var lastList: [[Int32]] = []
    /// Event time of the user's last published list, in ms (`Int64.min` before the first).
    public internal(set) var lastPublishedMs: [Int64] = []
    /// Source position of the last event applied for each user.
    public internal(set) var lastSource: [EventSource] = []
    /// Number of lists published per user (the list's sequence number).
    public internal(set) var publishedCount: [Int32] = []
    /// Whether the user waits for a refresh.
    public internal(set) var isDirty: [Bool] = []
    /// Engine event sequence number of the user's last event (for evicting idle users).
    public internal(set) var lastActive: [Int64] = []

    /// Creates an empty table.
    public init() {}

    /// Number of users.
    public var count: Int { eventCount.count }

    /// Adds a row for a new user.
    mutating func addUser() {
        seen.append([])
        eventCount.append(0)
        lastList.append([])
        lastPublishedMs.append(.min)
        lastSource.append(.none)
        publishedCount.append(0)
        isDirty.append(false)
        lastActive.append(0)
    }

    /// Records one applied event of user `u`: the item joins the seen set, the event count,
    /// source and activity move on, and the user is flagged dirty. Returns whether the user was
    /// not dirty before (the caller queues it). One call, so the owner's hot path enters the
    /// table (a class property: a runtime exclusivity check per access) once per event.
    mutating func record(user u: Int, item: Int32, source: EventSource, sequence: Int64) -> Bool {
        seen[u].insert(item)
        eventCount[u] &+= 1
        lastSource[u] = source
        lastActive[u] = sequence
        if isDirty[u] { return false }
        isDirty[u] = true
        return true
    }

    /// Clears row `u` for reuse by a new user.
    mutating func reset(_ u: Int) {
        seen[u] = []
        eventCount[u] = 0
        lastList[u] = []
        lastPublishedMs[u] = .min
        lastSource[u] = .none
        publishedCount[u] = 0
        isDirty[u] = false
        lastActive[u] = 0
    }
}
