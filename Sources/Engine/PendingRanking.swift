import Dispatch

/// A hybrid ranking running on `ListScorer`'s background lane while the pipeline thread goes on
/// applying events: its users (engine rows), and their lists (best first, in the order of
/// `users`) once `isDone`. Everything the lane reads was copied or laid out before it started
/// (the MF half of the queries, the stale windows, item rows, each user's seen set, the mask),
/// so later events do not reach it.
final class PendingRanking: @unchecked Sendable {
    let users: [Int32]
    /// The stale session windows of `users`, encoded by the lane before it ranked; the engine
    /// stores their vectors when it takes the lists (`SessionTracker.storeDeferred`).
    let encoding: DeferredEncoding?
    /// The lists, written by the lane before `done` is left; read only after `wait` or `isDone`.
    private(set) var lists: [[(index: Int, score: Float)]] = []
    private let done = DispatchGroup()

    init(users: [Int32], encoding: DeferredEncoding?) {
        self.users = users
        self.encoding = encoding
        done.enter()
    }

    /// Called by the lane when the lists are written.
    func finish(_ lists: [[(index: Int, score: Float)]]) {
        self.lists = lists
        done.leave()
    }

    /// Whether the lists are ready, without waiting.
    var isDone: Bool { done.wait(timeout: .now()) == .success }

    /// Waits until the lists are ready.
    func wait() { done.wait() }
}
