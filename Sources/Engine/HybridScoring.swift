import Linalg
import Models

/// The inputs that let the hybrid ranking (MF fused with session scores) go through the tiled
/// `ScoringLane`s like MF alone: the fusion `mfScale · (b + u · V) + sessionScale · (ob + s · O) + offset`
/// (see `HybridFusion.coefficients`) is one dot product of the query `[mfScale · u | sessionScale · s |
/// mfScale | sessionScale]` with the item row `[V | O | b | ob]`, plus the user's offset. The
/// z-scoring's moments come from `ScoreMoments` of each side, so no user's whole score row is
/// written, read back, standardised and fused; the lanes select from cache-sized tiles.
///
/// `prepare` builds the item rows and moments once per refresh (O(items · (d + e)), plus the
/// Gram matrices, the session side's only when its table changed); `load` the queries of a
/// batch of users. Scratch is kept between refreshes. Not thread-safe; owned by `ListScorer`.
final class HybridScoring {
    /// Floats per item row and per query: `d + e + 2`.
    private(set) var width = 0
    private var factors = 0
    private var dimension = 0
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
    /// The session table version the session moments were built from (-1: none).
    private var sessionVersion = -1
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
            sessionVersion = -1
            queryCapacity = 0
        }
        if n > itemCapacity {
            items.deallocate()
            itemCapacity = max(n, itemCapacity * 2)
            items = .allocate(capacity: itemCapacity * width)
            sessionVersion = -1
        }
        let w = width, v = model.itemFactors.base
        model.itemBias.withUnsafeBufferPointer { bias in
            for i in 0..<n {
                let row = items + i * w
                row.update(from: v + i * d, count: d)
                row[d + e] = bias[i]
            }
            mfMoments.rebuild(matrix: items, stride: w, bias: bias.baseAddress!, count: n)
        }
        if sessionVersion != table.version {
            for i in 0..<n {
                let row = items + i * w
                (row + d).update(from: table.embeddings + i * e, count: e)
                row[d + e + 1] = table.bias[i]
            }
            sessionMoments.rebuild(matrix: items + d, stride: w, bias: table.bias, count: n)
            sessionVersion = table.version
        }
    }

    /// Builds the queries and offsets of `users` (every one with a session window, encoded), in order.
    func load(_ users: ArraySlice<Int32>, core: RecommenderCore, session: SessionTracker) {
        let d = factors, e = dimension, w = width, m = users.count
        if m > queryCapacity {
            queries.deallocate()
            queryCapacity = max(m, queryCapacity * 2)
            queries = .allocate(capacity: queryCapacity * w)
            scratch = [Float](repeating: 0, count: queryCapacity * max(d, e))
            mfOut = Array(repeating: (0, 1), count: queryCapacity)
            sessionOut = Array(repeating: (0, 1), count: queryCapacity)
        }
        offsets.removeAll(keepingCapacity: true)
        let model = core.model
        // Raw queries first: the user's factors and session vector.
        for (r, user) in users.enumerated() {
            let q = queries + r * w
            q.update(from: model.userFactors.row(Int(user)), count: d)
            session.copyVector(user: Int(user), to: q + d)
        }
        scratch.withUnsafeMutableBufferPointer { t in
            mfOut.withUnsafeMutableBufferPointer { mo in
                mfMoments.moments(queries: queries, stride: w, count: m, scratch: t.baseAddress!, into: mo.baseAddress!)
            }
            sessionOut.withUnsafeMutableBufferPointer { so in
                sessionMoments.moments(queries: queries + d, stride: w, count: m, scratch: t.baseAddress!, into: so.baseAddress!)
            }
        }
        // Then each scaled by the fusion's coefficients for the user's moments.
        let fusion = session.fusion
        for (r, user) in users.enumerated() {
            let q = queries + r * w
            let c = fusion.coefficients(mf: core.isPersonal(user) ? mfOut[r] : nil, session: sessionOut[r])
            for j in 0..<d { q[j] *= c.mfScale }
            for j in 0..<e { q[d + j] *= c.sessionScale }
            q[d + e] = c.mfScale
            q[d + e + 1] = c.sessionScale
            offsets.append(c.offset)
        }
    }
}
