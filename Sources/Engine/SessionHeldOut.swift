import Models

/// Held-out events for the next training round, captured before anything learns from them.
///
/// A round arms a set of users (`arm`, or `extend` to add users and keep what was captured); the
/// next event of each armed user is captured as it arrives, and so is every `sampleStride`-th
/// applied event of a user with MF history while there is room (streams where a user's events
/// come in one burst and armed users never return still give held-out events), before the MF
/// update: the user's MF scores of every item at that moment (one gemv; the items the user had
/// seen by then at `-infinity`, the items validation leaves out), the event's item and the window
/// before it. The following round scores these examples with its new session model (which has
/// not trained on them), refits the fusion on them with those MF scores and reports their
/// NDCG@10. Buffers are allocated when armed; a capture writes into them and allocates nothing.
struct SessionHeldOut: Sendable {
    /// Whether each user row's next event is to be captured.
    private(set) var pending: [Bool] = []
    private(set) var pendingCount = 0
    private(set) var capacity = 0
    /// Items each captured MF score row holds (items registered later score at the row's minimum).
    private(set) var scoreWidth = 0
    private(set) var window = 0
    /// Examples captured so far.
    private(set) var count = 0
    /// Applied events between two sampled captures (0: armed users only).
    private(set) var sampleStride = 0
    /// Steps of the MF learner's quiet-stream passes when armed, or when the first event was
    /// captured (the captured MF scores are stale once more were taken).
    private(set) var mfPassSteps: Int64 = 0
    private(set) var users: [Int32] = []
    private(set) var targets: [Int32] = []
    /// MF scores of each captured example, `scoreWidth` per row (`-infinity`: seen before the event).
    var scores: [Float] = []
    /// Items registered when each example was captured.
    private(set) var widths: [Int] = []
    private(set) var items: [Int32] = []
    private(set) var types: [UInt8] = []
    private(set) var times: [Int64] = []
    private(set) var lengths: [Int] = []

    /// Forgets what was captured and waits for the next event of each of `rows`, and samples
    /// every `sampleStride`-th applied event (0: none), up to `capacity` examples in all.
    mutating func arm(rows: [Int], capacity: Int, sampleStride: Int, userCount: Int, itemCount: Int, window: Int,
                      mfPassSteps: Int64 = 0) {
        self.mfPassSteps = mfPassSteps
        if pending.count < userCount { pending += [Bool](repeating: false, count: userCount - pending.count) }
        for i in pending.indices { pending[i] = false }
        self.capacity = max(rows.count, capacity)
        self.sampleStride = max(0, sampleStride)
        scoreWidth = itemCount + 1_024
        self.window = window
        count = 0
        users = [Int32](repeating: -1, count: capacity)
        targets = [Int32](repeating: -1, count: capacity)
        // Not zero-filled: a row is written whole by its capture before anything reads it, and
        // the pages of rows never captured are never touched (an arm costs no pass over megabytes).
        let scoreFloats = capacity * scoreWidth
        scores = [Float](unsafeUninitializedCapacity: scoreFloats) { _, initialized in initialized = scoreFloats }
        widths = [Int](repeating: 0, count: capacity)
        items = [Int32](repeating: -1, count: capacity * window)
        types = [UInt8](repeating: 0, count: capacity * window)
        times = [Int64](repeating: .min, count: capacity * window)
        lengths = [Int](repeating: 0, count: capacity)
        for r in rows where r < pending.count { pending[r] = true }
        pendingCount = rows.filter { $0 < pending.count }.count
    }

    /// Also waits for the next event of each of `rows` not captured yet, keeping what was
    /// captured (a round that found too few held-out events to refit on lets them add up).
    mutating func extend(rows: [Int], userCount: Int) {
        if pending.count < userCount { pending += [Bool](repeating: false, count: userCount - pending.count) }
        let taken = Set(users.prefix(count).map(Int.init))
        for r in rows where r < pending.count && !pending[r] && !taken.contains(r) {
            pending[r] = true
            pendingCount += 1
        }
    }

    /// Users whose event was captured.
    var capturedUsers: ArraySlice<Int32> { users.prefix(count) }

    /// Dates an empty set to `mfPassSteps` (MF as it is now): the events captured from here on
    /// all see the MF the passes left, however many passes ran since the set was armed.
    mutating func restamp(mfPassSteps steps: Int64) {
        if count == 0 { mfPassSteps = steps }
    }

    /// Whether user row `u`'s next event is to be captured.
    @inline(__always)
    func isPending(_ u: Int) -> Bool { pendingCount > 0 && u < pending.count && pending[u] }

    /// Whether the event applied as number `sequence` is sampled (the caller checks that its
    /// user has MF history).
    @inline(__always)
    func samples(_ sequence: Int64) -> Bool {
        sampleStride > 0 && count < capacity && sequence % Int64(sampleStride) == 0
    }

    /// Captures user row `u`'s event on session item `target` with the window before it; `score`
    /// writes the MF scores of the first `itemCount` items (at most `scoreWidth`) into the buffer it gets.
    mutating func capture(user u: Int, target: Int32, window w: SessionWindow, itemCount: Int,
                          score: (UnsafeMutablePointer<Float>, Int) -> Void) {
        guard count < capacity else { return }
        if isPending(u) {
            pending[u] = false
            pendingCount -= 1
        }
        let e = count
        users[e] = Int32(u)
        targets[e] = target
        let width = min(itemCount, scoreWidth)
        widths[e] = width
        let base = e * scoreWidth
        scores.withUnsafeMutableBufferPointer { score($0.baseAddress! + base, width) }
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
