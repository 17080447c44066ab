import Models

/// Held-out events for the next training round, captured before anything learns from them.
///
/// A round arms a set of users (`arm`); the next event of each armed user is captured as it
/// arrives, before the MF update: the user's MF vector at that moment, the event's item and the
/// window before it. The following round scores these examples with its new session model (which
/// has not trained on them) and with those MF vectors, refits the fusion on them and reports their
/// NDCG@10. Buffers are allocated when armed; a capture copies into them and allocates nothing.
struct SessionHeldOut {
    /// Whether each user row's next event is to be captured.
    private(set) var pending: [Bool] = []
    private(set) var pendingCount = 0
    private(set) var capacity = 0
    private(set) var factors = 0
    private(set) var window = 0
    /// Examples captured so far.
    private(set) var count = 0
    private(set) var users: [Int32] = []
    private(set) var targets: [Int32] = []
    private(set) var vectors: [Float] = []
    private(set) var items: [Int32] = []
    private(set) var types: [UInt8] = []
    private(set) var times: [Int64] = []
    private(set) var lengths: [Int] = []

    /// Forgets what was captured and waits for the next event of each of `rows`.
    mutating func arm(rows: [Int], userCount: Int, factors: Int, window: Int) {
        if pending.count < userCount { pending += [Bool](repeating: false, count: userCount - pending.count) }
        for i in pending.indices { pending[i] = false }
        capacity = rows.count
        self.factors = factors
        self.window = window
        count = 0
        users = [Int32](repeating: -1, count: capacity)
        targets = [Int32](repeating: -1, count: capacity)
        vectors = [Float](repeating: 0, count: capacity * factors)
        items = [Int32](repeating: -1, count: capacity * window)
        types = [UInt8](repeating: 0, count: capacity * window)
        times = [Int64](repeating: .min, count: capacity * window)
        lengths = [Int](repeating: 0, count: capacity)
        for r in rows where r < pending.count { pending[r] = true }
        pendingCount = rows.filter { $0 < pending.count }.count
    }

    /// Whether user row `u`'s next event is to be captured.
    @inline(__always)
    func isPending(_ u: Int) -> Bool { pendingCount > 0 && u < pending.count && pending[u] }

    /// Captures user row `u`'s event on session item `target` with the MF vector before it and
    /// the window before it.
    mutating func capture(user u: Int, target: Int32, vector: UnsafePointer<Float>, window w: SessionWindow) {
        guard isPending(u), count < capacity else { return }
        pending[u] = false
        pendingCount -= 1
        let e = count
        users[e] = Int32(u)
        targets[e] = target
        for k in 0..<factors { vectors[e * factors + k] = vector[k] }
        let n = min(w.count, window), skip = w.count - n
        for k in 0..<n {
            let s = w[skip + k]
            items[e * window + k] = s.item
            types[e * window + k] = s.type
            times[e * window + k] = s.timestampMs ?? .min
        }
        lengths[e] = n
        count += 1
    }

    /// The window of captured example `e`, oldest first.
    func history(_ e: Int) -> [SessionStep] {
        (0..<lengths[e]).map { k in
            let t = times[e * window + k]
            return SessionStep(item: items[e * window + k], type: types[e * window + k], timestampMs: t == .min ? nil : t)
        }
    }
}
