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
    /// Engine event sequence number of the user's last event (written to checkpoints; the
    /// eviction order is `recency`, rebuilt from these on restore).
    public internal(set) var lastActive: [Int64] = []
    /// Rows of held users from the least to the most recently active (rows freed by an eviction
    /// are not in it until a user takes them), so eviction takes victims without sorting the table.
    private(set) var recency = RecencyList()

    /// Creates an empty table.
    public init() {}

    /// Number of users.
    public var count: Int { eventCount.count }

    /// Makes room for `count` users before the arrays grow again.
    mutating func reserve(_ count: Int) {
        seen.reserveCapacity(count)
        eventCount.reserveCapacity(count)
        lastList.reserveCapacity(count)
        lastPublishedMs.reserveCapacity(count)
        lastSource.reserveCapacity(count)
        publishedCount.reserveCapacity(count)
        isDirty.reserveCapacity(count)
        lastActive.reserveCapacity(count)
    }

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
        recency.grow(to: eventCount.count)
        recency.touch(Int32(eventCount.count - 1))
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
        recency.touch(Int32(u))
        if isDirty[u] { return false }
        isDirty[u] = true
        return true
    }

    /// Takes the least recently active held user's row out of the eviction order (nil when none is
    /// held). The caller clears it with `reset` and hands it on with `claim`.
    mutating func takeLeastRecent() -> Int32? { recency.removeOldest() }

    /// Gives freed row `u` to a new user: it becomes the most recently active.
    mutating func claim(_ u: Int) { recency.touch(Int32(u)) }

    /// Rebuilds the eviction order from `lastActive` (a checkpoint restore), leaving out `free`
    /// rows. Sorts once, at load; ties keep row order.
    mutating func rebuildRecency(free: [Int32]) {
        var isFree = [Bool](repeating: false, count: count)
        for row in free where Int(row) < count { isFree[Int(row)] = true }
        let order = (0..<count).filter { !isFree[$0] }.sorted { (lastActive[$0], $0) < (lastActive[$1], $1) }
        recency = RecencyList()
        recency.grow(to: count)
        for u in order { recency.touch(Int32(u)) }
    }

    /// Clears row `u` for reuse by a new user (it leaves the eviction order until `claim`). The
    /// dirty flag stays: a row still queued for a refresh keeps its one queue entry, which the
    /// row's next user inherits (a refresh that finds the row free unflags it instead).
    mutating func reset(_ u: Int) {
        seen[u] = []
        eventCount[u] = 0
        lastList[u] = []
        lastPublishedMs[u] = .min
        lastSource[u] = .none
        publishedCount[u] = 0
        lastActive[u] = 0
        recency.remove(Int32(u))
    }
}
