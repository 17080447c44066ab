import Foundation
import Linalg
import Models

/// The inputs that let the hybrid ranking (MF fused with session scores) go through the tiled
/// `ScoringLane`s like MF alone: the fusion `mfScale · (b + u · V) + sessionScale · (ob + s · O) + offset`
/// (see `HybridFusion.coefficients`) is one dot product of the query `[mfScale · u | sessionScale · s |
/// mfScale | sessionScale]` with the item row `[V | O | b | ob]`, plus the user's offset. The
/// z-scoring's moments come from `ScoreMoments` of each side, so no user's whole score row is
/// written, read back, standardised and fused; the lanes select from cache-sized tiles.
///
/// `prepare` brings the item rows and moments up to date once per refresh: the MF rows changed
/// since the last call (noted by the model in `OnlineMF.itemRowChanges`, which this attaches)
/// replace their old values in the sums, O(changed · d²), without a pass over the catalogue; all
/// rows again when items were added, when the model is another one, and every 1,024th call. The
/// session side is laid out again only when its table changed; `load` builds the queries of a
/// batch of users. Debug builds check after each call that every row matches the model (a change
/// made without a note fails there). Scratch is kept between refreshes. Not thread-safe; owned by
/// `ListScorer`.
final class HybridScoring {
    /// Floats per item row and per query: `d + e + 2`.
    private(set) var width = 0
    /// MF factors and session vector width of the rows (`width` is their sum plus 2).
    private(set) var factors = 0
    private(set) var dimension = 0
    private var itemCapacity = 0
    /// `itemCount × width` item rows.
    private(set) var items: UnsafeMutablePointer<Float> = .allocate(capacity: 1)
    private var queryCapacity = 0
    /// `users × width` queries of the last `load`.
    private(set) var queries: UnsafeMutablePointer<Float> = .allocate(capacity: 1)
    /// Per loaded user, the constant added to its selected scores.
    private(set) var offsets: [Float] = []
    private var mfMoments = ScoreMoments(width: 0)
    private var sessionMoments = ScoreMoments(width: 0)
    /// The session table generation the session rows and moments were built from (-1: none),
    /// and how many of its rows they hold.
    private var sessionGeneration = -1
    private var sessionRows = 0
    /// Item rows the MF side of `items` and its moments hold (-1: none).
    private var mfRows = -1
    /// The MF rows changed since the last `prepare`, noted by the model.
    private let changes = ItemChangeJournal()
    /// Calls of `prepare`; every `rebuildEvery`-th rebuilds the MF moments from all rows.
    private var prepares = 0
    static let rebuildEvery = 1_024
    /// Scratch of the changed MF rows: old and new values and biases (capacity kept).
    private var oldRows: [Float] = [], newRows: [Float] = [], oldBias: [Float] = [], newBias: [Float] = []
    /// Scratch of the batched moments.
    private var scratch: [Float] = []
    private var mfOut: [(mean: Float, inverseStd: Float)] = []
    private var sessionOut: [(mean: Float, inverseStd: Float)] = []

    deinit {
        items.deallocate()
        queries.deallocate()
    }

    /// Lays out the item rows `[V | O | b | ob]` of `itemCount` items and the moments of both sides.
    func prepare(model: OnlineMF, table: SessionScoreTable, itemCount n: Int) {
        let d = model.configuration.factors, e = table.dimension
        if d != factors || e != dimension {
            factors = d
            dimension = e
            width = d + e + 2
            itemCapacity = 0
            mfMoments = ScoreMoments(width: d)
            sessionMoments = ScoreMoments(width: e)
            sessionGeneration = -1
            mfRows = -1
            queryCapacity = 0
        }
        if n > itemCapacity {
            items.deallocate()
            itemCapacity = max(n, itemCapacity * 2)
            items = .allocate(capacity: itemCapacity * width)
            sessionGeneration = -1
            mfRows = -1
        }
        if model.itemRowChanges !== changes {
            // Another model (or the first call): its changes are noted from here on, all rows again now.
            model.itemRowChanges = changes
            mfRows = -1
        }
        prepareMF(model: model, itemCount: n)
        prepareSession(table: table, itemCount: n)
    }

    /// The MF side: all rows again when needed, else the changed rows replaced and the new ones added.
    private func prepareMF(model: OnlineMF, itemCount n: Int) {
        let d = factors, e = dimension, w = width, v = model.itemFactors.base
        model.itemBias.withUnsafeBufferPointer { biasBuffer in
            let bias = biasBuffer.baseAddress!
            prepares += 1
            if mfRows < 0 || n < mfRows || prepares % Self.rebuildEvery == 0 {
                // A new layout (or the periodic rebuild that bounds the drift of the running sums).
                changes.drain { _ in }
                copyMF(rows: 0..<n, from: v, bias: bias)
                mfMoments.rebuild(matrix: items, stride: w, bias: bias, count: n)
                mfRows = n
                return
            }
            // The rows changed since the last call: their old and new values replace each other
            // in the sums. Rows added since are laid out and added after.
            oldRows.removeAll(keepingCapacity: true)
            newRows.removeAll(keepingCapacity: true)
            oldBias.removeAll(keepingCapacity: true)
            newBias.removeAll(keepingCapacity: true)
            let known = mfRows
            changes.drain { i in
                guard i < known else { return }
                let row = items + i * w, fresh = v + i * d
                guard row[d + e] != bias[i] || memcmp(row, fresh, d * MemoryLayout<Float>.size) != 0 else { return }
                oldRows.append(contentsOf: UnsafeBufferPointer(start: row, count: d))
                newRows.append(contentsOf: UnsafeBufferPointer(start: fresh, count: d))
                oldBias.append(row[d + e])
                newBias.append(bias[i])
                row.update(from: fresh, count: d)
                row[d + e] = bias[i]
            }
            mfMoments.replace(old: oldRows, oldBias: oldBias, new: newRows, newBias: newBias)
            if n > known {
                copyMF(rows: known..<n, from: v, bias: bias)
                mfMoments.append(matrix: items + known * w, stride: w, bias: bias + known, count: n - known)
                mfRows = n
            }
            #if DEBUG
            for i in 0..<n where items[i * w + d + e] != bias[i] || memcmp(items + i * w, v + i * d, d * MemoryLayout<Float>.size) != 0 {
                assertionFailure("MF item row \(i) changed without a note in OnlineMF.itemRowChanges")
            }
            #endif
        }
    }

    /// Copies the MF vectors and biases of `rows` into the item rows.
    private func copyMF(rows: Range<Int>, from v: UnsafePointer<Float>, bias: UnsafePointer<Float>) {
        let d = factors, e = dimension, w = width
        for i in rows {
            let row = items + i * w
            row.update(from: v + i * d, count: d)
            row[d + e] = bias[i]
        }
    }

    /// The session side: all rows again when the table was filled again, else only the rows it added.
    private func prepareSession(table: SessionScoreTable, itemCount n: Int) {
        let d = factors, e = dimension, w = width
        let first = sessionGeneration == table.generation ? min(sessionRows, n) : 0
        guard first < n || sessionGeneration != table.generation else { return }
        for i in first..<n {
            let row = items + i * w
            (row + d).update(from: table.embeddings + i * e, count: e)
            row[d + e + 1] = table.bias[i]
        }
        if first == 0 {
            sessionMoments.rebuild(matrix: items + d, stride: w, bias: table.bias, count: n)
        } else {
            sessionMoments.append(matrix: items + first * w + d, stride: w, bias: table.bias + first, count: n - first)
        }
        sessionGeneration = table.generation
        sessionRows = n
    }

    /// Builds the queries and offsets of `users` (every one with a session window, encoded), in order.
    func load(_ users: ArraySlice<Int32>, core: RecommenderCore, session: SessionTracker) {
        loadRaw(users, core: core, session: session, deferred: nil)
        scale(count: users.count, personal: users.map { core.isPersonal($0) }, fusion: session.fusion)
    }

    /// The raw queries of `users`: each user's factors and session vector, but for the users
    /// `deferred` holds (their vectors are copied in by `DeferredEncoding.copyVectors` later).
    func loadRaw(_ users: ArraySlice<Int32>, core: RecommenderCore, session: SessionTracker, deferred: DeferredEncoding?) {
        let d = factors, e = dimension, w = width, m = users.count
        if m > queryCapacity {
            queries.deallocate()
            queryCapacity = max(m, queryCapacity * 2)
            queries = .allocate(capacity: queryCapacity * w)
            scratch = [Float](repeating: 0, count: queryCapacity * max(d, e))
            mfOut = Array(repeating: (0, 1), count: queryCapacity)
            sessionOut = Array(repeating: (0, 1), count: queryCapacity)
        }
        let model = core.model
        for (r, user) in users.enumerated() {
            let q = queries + r * w
            q.update(from: model.userFactors.row(Int(user)), count: d)
            if deferred?.loadedAt[r] != true { session.copyVector(user: Int(user), to: q + d) }
        }
    }

    /// Scales the `m` raw queries by the fusion's coefficients for each user's moments (MF
    /// moments only for the users with enough history for MF, `personal`), and sets `offsets`.
    /// Reads only this object's rows, moments and queries, so it may run on another thread
    /// while nothing else calls it.
    func scale(count m: Int, personal: [Bool], fusion: HybridFusion) {
        let d = factors, e = dimension, w = width
        offsets.removeAll(keepingCapacity: true)
        scratch.withUnsafeMutableBufferPointer { t in
            mfOut.withUnsafeMutableBufferPointer { mo in
                mfMoments.moments(queries: queries, stride: w, count: m, scratch: t.baseAddress!, into: mo.baseAddress!)
            }
            sessionOut.withUnsafeMutableBufferPointer { so in
                sessionMoments.moments(queries: queries + d, stride: w, count: m, scratch: t.baseAddress!, into: so.baseAddress!)
            }
        }
        // Then each scaled by the fusion's coefficients for the user's moments.
        for r in 0..<m {
            let q = queries + r * w
            let c = fusion.coefficients(mf: personal[r] ? mfOut[r] : nil, session: sessionOut[r])
            for j in 0..<d { q[j] *= c.mfScale }
            for j in 0..<e { q[d + j] *= c.sessionScale }
            q[d + e] = c.mfScale
            q[d + e + 1] = c.sessionScale
            offsets.append(c.offset)
        }
    }
}
