import Dispatch
import Foundation
import Linalg
import Models

/// Turns users into ranked lists: one sgemm per batch of personal users against the item
/// matrix, item biases added, seen and blocked (unavailable) items masked, partial top-K;
/// popularity for cold users.
///
/// Without a session model, personal users go through `ScoringLane`s (item tiles that stay in
/// cache, top-K fused with scoring); a large refresh splits them over `lanes` threads, each
/// with single-threaded BLAS, and a small one runs on the caller with single-threaded BLAS
/// (threaded BLAS on small calls only leaves its workers spinning). The lists are the same
/// whichever way up to float rounding: each score is the same bias plus dot product, which
/// OpenBLAS may round differently by where the row and column sit in a call (so whole rows
/// already varied with the batch a user fell in), and selection runs in index order.
///
/// With a session model, users with a window rank by the fusion of MF and session scores through
/// the same lanes: `HybridScoring` folds the fusion's standardisation into each user's query and
/// lays the MF item rows beside the session model's output rows (`SessionScoreTable`, in engine
/// item order: 0 for items the model does not know), so a tile's one sgemm gives fused scores.
/// Users with a window but too few events for MF rank by the session alone; users with no window
/// by MF alone. `scoreRows` (and `fullRowsOnly`) computes the whole rows instead: MF row, session
/// row, both standardised by `HybridFusion.fuse`; the lanes' lists match them up to rounding.
///
/// Holds its scratch buffers across calls so a refresh allocates only the lists it returns.
final class ListScorer {
    let topK: Int
    let factors: Int
    let batchSize: Int
    private var selector: TopKSelector
    private var userBlock: UnsafeMutablePointer<Float>
    private var scores: UnsafeMutablePointer<Float>
    private var scoreCapacity: Int
    private var sessionBlock: UnsafeMutablePointer<Float>?
    private var sessionScores: UnsafeMutablePointer<Float>?
    private var sessionScoreCapacity = 0
    /// Upper bound on the score buffer (floats), so huge catalogs shrink the batch instead.
    private let maxScoreFloats = 16 << 20
    /// Per-thread scorers of personal users (MF only); the first runs on the caller.
    private let lanes: [ScoringLane]
    /// Scores (users × items) below which a refresh stays on the calling thread.
    let parallelMinScores: Int
    /// Scores every user by whole rows (the reference the tiled lanes must match), fusing each
    /// row with its session scores after standardising both.
    var fullRowsOnly = false
    /// Item rows, moments and queries of the hybrid ranking.
    private let hybrid = HybridScoring()
    /// The ranking last handed to the background lane (`rank(…, deferHybrid: true)`); every
    /// call waits for it first, since it reads the hybrid inputs and uses the last lane.
    private var pending: PendingRanking?
    /// Where deferred hybrid rankings run (one at a time).
    private let background = DispatchQueue(label: "streamrec.ranking", qos: .userInitiated)

    /// Creates a scorer; `lanes` threads share a large refresh (default: `OPENBLAS_NUM_THREADS`
    /// when set, else up to 2 of the available cores), `tileItems` items are scored per tile.
    init(topK: Int, factors: Int, batchSize: Int, lanes: Int? = nil, tileItems: Int? = nil,
         parallelMinScores: Int = 4 << 20) {
        self.topK = topK
        self.factors = factors
        self.batchSize = max(1, batchSize)
        selector = TopKSelector(capacity: max(topK, 100) + 64)
        userBlock = .allocate(capacity: self.batchSize * factors)
        scoreCapacity = 0
        scores = .allocate(capacity: 1)
        let laneCount = max(1, lanes ?? Self.defaultLanes())
        // A tile of about 1 MiB of scores per batch (1,024 items for 256 users): it is still in
        // cache when its rows are selected (measured flat from 1,024 to 4,096 items at 64 dims).
        let batch = max(1, batchSize)
        let tile = tileItems ?? max(256, (256 << 10) / batch)
        self.lanes = (0..<laneCount).map { _ in
            ScoringLane(factors: factors, batchSize: batch, tileItems: tile, capacity: max(topK, 100) + 64)
        }
        self.parallelMinScores = parallelMinScores
    }

    /// `OPENBLAS_NUM_THREADS` when set (the operator's thread budget for scoring), else the
    /// available cores, at most 2.
    static func defaultLanes() -> Int {
        if let text = ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"], let n = Int(text), n > 0 {
            return n
        }
        return min(2, ProcessInfo.processInfo.activeProcessorCount)
    }

    deinit {
        userBlock.deallocate()
        scores.deallocate()
        sessionBlock?.deallocate()
        sessionScores?.deallocate()
    }

    /// Ranks `users` and hands each list, best first, to `body`. Items whose `mask` entry is
    /// true (default: the catalog's `blocked`, the unavailable items) are never selected.
    ///
    /// With `deferHybrid` and more than one lane, the hybrid ranking of the users with a session
    /// window (when it goes through the lanes) is not waited for: it is handed to the background
    /// lane and returned, and `body` gets only the other users' lists. Its lists are those the
    /// same call would have made without deferring: the queries, item rows, seen sets and mask
    /// are taken before it starts.
    @discardableResult
    func rank(users: [Int32], core: RecommenderCore, k: Int? = nil, mask: [Bool]? = nil, deferHybrid: Bool = false,
              _ body: (Int32, [(index: Int, score: Float)]) -> Void) -> PendingRanking? {
        awaitPending()
        let k = min(k ?? topK, selector.capacity - 64)
        let itemCount = core.items.count
        guard itemCount > 0 else { return nil }
        core.catalog.ensureRows(itemCount)
        let blocked = mask ?? core.catalog.blocked

        var personal: [Int32] = []
        personal.reserveCapacity(users.count)
        var cold: [Int32] = []
        for user in users {
            if core.isPersonal(user) || core.hasSessionWindow(user) { personal.append(user) } else { cold.append(user) }
        }

        if !cold.isEmpty {
            // Cold users have seen few items: the popular top k + 16 usually leaves k unseen ones;
            // when it does not, rank the whole catalog for that user.
            let reach = min(k + 16, selector.capacity)
            let popular = core.popularity.withScores { selector.select($0, k: reach) }
            for user in cold {
                let seen = core.table.seen[Int(user)]
                var list = Array(popular.lazy.filter { !blocked[$0.index] && !seen.contains(Int32($0.index)) }.prefix(k))
                if list.count < k && popular.count == reach {
                    list = core.popularity.withScores { selector.select($0, k: k) { blocked[$0] || seen.contains(Int32($0)) } }
                }
                body(user, list)
            }
        }

        guard !personal.isEmpty else { return nil }
        guard let session = core.session else {
            if fullRowsOnly {
                BLAS.withThreads(1) { rankFullRows(personal, core: core, session: nil, k: k, blocked: blocked, body) }
            } else {
                rankTiled(personal, core: core, k: k, blocked: blocked, body)
            }
            return nil
        }
        if fullRowsOnly {
            // Single-threaded BLAS whatever the size: the sgemms here alternate with the encoder's
            // and the fusion's own loops, so threaded calls would leave OpenBLAS's workers spinning.
            BLAS.withThreads(1) { rankFullRows(personal, core: core, session: session, k: k, blocked: blocked, body) }
            return nil
        }
        // Users with a window rank by the fusion (through the lanes, `HybridScoring`); the others by MF alone.
        var windowed: [Int32] = [], mfOnly: [Int32] = []
        for user in personal { if session.hasWindow(Int(user)) { windowed.append(user) } else { mfOnly.append(user) } }
        if !mfOnly.isEmpty { rankTiled(mfOnly, core: core, k: k, blocked: blocked, body) }
        if windowed.count >= Self.hybridLaneMinUsers {
            if deferHybrid && lanes.count > 1 {
                return beginHybrid(windowed, core: core, session: session, k: k, blocked: blocked)
            }
            rankHybrid(windowed, core: core, session: session, k: k, blocked: blocked, body)
        } else if !windowed.isEmpty {
            // A few users (a query, a small refresh): whole rows, without bringing `HybridScoring`'s
            // item side up to date (a pass over every item row).
            BLAS.withThreads(1) { rankFullRows(windowed, core: core, session: session, k: k, blocked: blocked, body) }
        }
        return nil
    }

    /// Waits for the ranking on the background lane, if one is running.
    func awaitPending() {
        pending?.wait()
        pending = nil
    }

    /// Whether a ranking of `users` against `itemCount` items is large enough to be split over
    /// the lanes' threads.
    private func splits(users: Int, itemCount: Int) -> Bool {
        lanes.count > 1 && users >= 2 * lanes.count && users * itemCount >= parallelMinScores
    }

    /// Users with a window from which a ranking goes through the lanes (`HybridScoring`); fewer
    /// are ranked by whole rows.
    static let hybridLaneMinUsers = 64

    /// Personal users with a session window: their stale windows encoded, then the fused scores
    /// ranked through the lanes, split over threads when large.
    private func rankHybrid(_ users: [Int32], core: RecommenderCore, session: SessionTracker, k: Int, blocked: [Bool],
                            _ body: (Int32, [(index: Int, score: Float)]) -> Void) {
        let itemCount = core.items.count
        let seen = core.table.seen
        let hybrid = self.hybrid
        BLAS.withThreads(1) {
            session.syncItems(core.items)
            hybrid.prepare(model: core.model, table: session.preparedScoreTable(), itemCount: itemCount)
            session.encodePending(users[...])
            hybrid.load(users[...], core: core, session: session)
        }
        let w = hybrid.width
        hybrid.offsets.withUnsafeBufferPointer { offsets in
            runLanes(users, itemCount: itemCount, body) { lane, slice in
                let first = slice.startIndex
                lane.rank(users: slice, queries: hybrid.queries + first * w, width: w, items: hybrid.items,
                          offsets: offsets.baseAddress! + first, seen: seen, blocked: blocked, itemCount: itemCount, k: k)
            }
        }
    }

    /// The start of a deferred hybrid ranking: on the caller, the item rows brought up to date,
    /// the stale windows loaded into encoders of their own and the MF half of the queries built;
    /// then, on the background queue, the windows are encoded, the queries completed and scaled
    /// (as `rankHybrid` does it all on the caller), and the last lane ranks all of `users` from
    /// copies of their seen sets and the mask.
    private func beginHybrid(_ users: [Int32], core: RecommenderCore, session: SessionTracker, k: Int,
                             blocked: [Bool]) -> PendingRanking {
        let itemCount = core.items.count
        let hybrid = self.hybrid
        // The lane's calls run beside the caller's: BLAS stays on each caller's thread (the
        // setting is process-wide; every BLAS call of the engine is single-threaded from here on,
        // as it is once the session trainer has taken the second core).
        if BLAS.threads != 1 { BLAS.setThreads(1) }
        session.syncItems(core.items)
        hybrid.prepare(model: core.model, table: session.preparedScoreTable(), itemCount: itemCount)
        let encoding = session.loadDeferred(users[...])
        hybrid.loadRaw(users[...], core: core, session: session, deferred: encoding)
        let seen = core.table.seen
        let job = PendingRanking(users: users, encoding: encoding)
        let work = BackgroundRanking(
            lane: lanes[lanes.count - 1], hybrid: hybrid, personal: users.map { core.isPersonal($0) },
            fusion: session.fusion, seen: users.map { seen[Int($0)] }, blocked: blocked, itemCount: itemCount,
            k: k, job: job)
        background.async { work.run() }
        pending = job
        return job
    }

    /// Splits `users` over the lanes (over threads when the refresh is large, each lane's slice
    /// scored by `score` with single-threaded BLAS) and hands out the lists in the order of `users`.
    private func runLanes(_ users: [Int32], itemCount: Int, _ body: (Int32, [(index: Int, score: Float)]) -> Void,
                          score: @escaping (ScoringLane, ArraySlice<Int32>) -> Void) {
        let parallel = splits(users: users.count, itemCount: itemCount)
        let used = parallel ? lanes.count : 1
        let per = (users.count + used - 1) / used
        let slices = (0..<used).map { i in users[min(users.count, i * per)..<min(users.count, (i + 1) * per)] }
        let lanes = lanes
        BLAS.withThreads(1) {
            if used == 1 {
                score(lanes[0], slices[0])
            } else {
                let work = LaneWork { score(lanes[$0], slices[$0]) }
                DispatchQueue.concurrentPerform(iterations: used) { work.run($0) }
            }
        }
        for (lane, slice) in zip(lanes.prefix(used), slices) {
            for (user, ranked) in zip(slice, lane.results) { body(user, ranked) }
        }
    }

    /// Personal users without a session model: through the lanes, split over threads when large.
    private func rankTiled(_ personal: [Int32], core: RecommenderCore, k: Int, blocked: [Bool],
                           _ body: (Int32, [(index: Int, score: Float)]) -> Void) {
        let model = core.model
        let itemCount = core.items.count
        let seen = core.table.seen
        runLanes(personal, itemCount: itemCount, body) { lane, slice in
            lane.rank(users: slice, model: model, seen: seen, blocked: blocked, itemCount: itemCount, k: k)
        }
    }

    /// Personal users with a session model: whole score rows (MF and session scores are fused
    /// per item before selection).
    private func rankFullRows(_ personal: [Int32], core: RecommenderCore, session: SessionTracker?, k: Int,
                              blocked: [Bool], _ body: (Int32, [(index: Int, score: Float)]) -> Void) {
        let model = core.model
        let itemCount = core.items.count
        let explicit = model.configuration.feedback == .explicit
        fullRows(personal, core: core, session: session) { user, line, fused in
            let u = Int(user)
            for item in core.table.seen[u] { line[Int(item)] = -.infinity }
            let row = UnsafeBufferPointer(start: line, count: itemCount)
            if fused {
                body(user, selector.select(row, k: k) { blocked[$0] })
                return
            }
            // A per-user constant does not change the order: added to the chosen few only.
            let offset = explicit ? model.globalMean + model.userBias[u] : model.userBias[u]
            var ranked = selector.select(row, k: k) { blocked[$0] }
            if offset != 0 { for j in ranked.indices { ranked[j].score += offset } }
            body(user, ranked)
        }
    }

    /// The score rows `rank` selects from, before seen items are masked: for each of `users`
    /// (personal or with a session window, in engine item order) item bias plus MF dot product,
    /// fused with the session scores for a user with a window (session alone without MF
    /// history). The per-user bias is left out (it does not change the order).
    func scoreRows(_ users: [Int32], core: RecommenderCore, _ body: (Int32, UnsafeBufferPointer<Float>) -> Void) {
        let itemCount = core.items.count
        guard itemCount > 0, !users.isEmpty else { return }
        BLAS.withThreads(1) {
            fullRows(users, core: core, session: core.session) { user, line, _ in
                body(user, UnsafeBufferPointer(start: line, count: itemCount))
            }
        }
    }

    /// Computes whole score rows for `personal`, a batch at a time, and hands each row to `row`
    /// (the user, the row in engine item order, and whether it was fused with session scores);
    /// the row may be changed in place until the next one.
    private func fullRows(_ personal: [Int32], core: RecommenderCore, session: SessionTracker?,
                          _ row: (Int32, UnsafeMutablePointer<Float>, Bool) -> Void) {
        let model = core.model
        let itemCount = core.items.count
        let batch = max(1, min(batchSize, maxScoreFloats / itemCount))
        ensureScoreCapacity(batch * itemCount)
        var table: SessionScoreTable?
        if let session {
            ensureSessionCapacity(batch: batch, dimension: session.dimension, items: itemCount)
            session.syncItems(core.items)
            table = session.preparedScoreTable()
        }
        let d = factors
        var start = 0
        while start < personal.count {
            let end = min(start + batch, personal.count)
            let m = end - start
            for (r, user) in personal[start..<end].enumerated() {
                (userBlock + r * d).update(from: model.userFactors.row(Int(user)), count: d)
            }
            // Item biases enter through beta = 1: each score row starts as a copy of them.
            model.itemBias.withUnsafeBufferPointer { bias in
                for r in 0..<m { (scores + r * itemCount).update(from: bias.baseAddress!, count: itemCount) }
            }
            BLAS.gemmABt(m: m, n: itemCount, k: d, a: userBlock, lda: d,
                         b: model.itemFactors.base, ldb: d, beta: 1, c: scores, ldc: itemCount)
            if let session, let table, let block = sessionBlock, let out = sessionScores {
                session.encodePending(personal[start..<end])
                let e = session.dimension
                for (r, user) in personal[start..<end].enumerated() {
                    session.copyVector(user: Int(user), to: block + r * e)
                }
                for r in 0..<m { (out + r * itemCount).update(from: table.bias, count: itemCount) }
                BLAS.gemmABt(m: m, n: itemCount, k: e, a: block, lda: e,
                             b: table.embeddings, ldb: e, beta: 1, c: out, ldc: itemCount)
            }
            for r in 0..<m {
                let user = Int(personal[start + r])
                let line = scores + r * itemCount
                if let session, session.hasWindow(user), let out = sessionScores {
                    // Fused in place: the MF row becomes the fused row.
                    let target = UnsafeMutableBufferPointer(start: line, count: itemCount)
                    session.fusion.fuse(mf: core.isPersonal(Int32(user)) ? UnsafeBufferPointer(target) : nil,
                                        session: UnsafeBufferPointer(start: out + r * itemCount, count: itemCount),
                                        into: target)
                    row(personal[start + r], line, true)
                } else {
                    row(personal[start + r], line, false)
                }
            }
            start = end
        }
    }

    private func ensureSessionCapacity(batch: Int, dimension: Int, items: Int) {
        guard batch * items > sessionScoreCapacity || sessionBlock == nil else { return }
        sessionBlock?.deallocate()
        sessionScores?.deallocate()
        sessionBlock = .allocate(capacity: batch * dimension)
        sessionScoreCapacity = batch * items
        sessionScores = .allocate(capacity: sessionScoreCapacity)
    }

    private func ensureScoreCapacity(_ floats: Int) {
        guard floats > scoreCapacity else { return }
        scores.deallocate()
        scoreCapacity = max(floats, scoreCapacity * 2)
        scores = .allocate(capacity: scoreCapacity)
    }
}

/// The work of one parallel refresh: lane `i` scores its own slice and writes only its own
/// results; what the lanes share (model, seen sets, mask, hybrid inputs) is only read while they run.
private final class LaneWork: @unchecked Sendable {
    private let body: (Int) -> Void

    init(_ body: @escaping (Int) -> Void) { self.body = body }

    /// Runs lane `i`.
    func run(_ i: Int) { body(i) }
}

/// A deferred hybrid ranking as the background lane runs it: everything it reads is its own (the
/// loaded windows, the seen sets by position in the ranking, the mask, the fusion, who has MF
/// history) or is not touched by anyone else until the scorer's next call, which waits for it
/// (`HybridScoring`'s queries, item rows and moments, the last lane).
private final class BackgroundRanking: @unchecked Sendable {
    private let lane: ScoringLane
    private let hybrid: HybridScoring
    private let personal: [Bool]
    private let fusion: HybridFusion
    private let seen: [Set<Int32>]
    private let blocked: [Bool]
    private let itemCount: Int
    private let k: Int
    private let job: PendingRanking

    init(lane: ScoringLane, hybrid: HybridScoring, personal: [Bool], fusion: HybridFusion, seen: [Set<Int32>],
         blocked: [Bool], itemCount: Int, k: Int, job: PendingRanking) {
        self.lane = lane
        self.hybrid = hybrid
        self.personal = personal
        self.fusion = fusion
        self.seen = seen
        self.blocked = blocked
        self.itemCount = itemCount
        self.k = k
        self.job = job
    }

    /// Encodes the stale windows, completes and scales the queries, ranks the job's users (the
    /// lane's seen sets are indexed by position) and finishes the job.
    func run() {
        let m = job.users.count, w = hybrid.width
        if let encoding = job.encoding {
            encoding.encode()
            encoding.copyVectors(into: hybrid.queries + hybrid.factors, stride: w, dimension: hybrid.dimension)
        }
        hybrid.scale(count: m, personal: personal, fusion: fusion)
        let positions = Array(0..<Int32(m))
        hybrid.offsets.withUnsafeBufferPointer { offsets in
            lane.rank(users: positions[...], queries: hybrid.queries, width: w, items: hybrid.items,
                      offsets: offsets.baseAddress!, seen: seen, blocked: blocked, itemCount: itemCount, k: k)
        }
        job.finish(lane.results)
    }
}
