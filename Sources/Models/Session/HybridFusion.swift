/// Fuses matrix-factorization and session scores into one ranking score.
///
/// Each side is standardised per user (z-score over the items) so the two weights compare
/// like with like: `fused = mfWeight · z(mf) + sessionWeight · z(session)`. A user with no MF
/// history ranks by the session alone, one with no session window by MF alone.
public struct HybridFusion: Sendable, Codable, Equatable {
    /// Weight of the standardised MF scores.
    public var mfWeight: Float
    /// Weight of the standardised session scores.
    public var sessionWeight: Float

    /// Creates a fusion; the default weighs both sides equally.
    public init(mfWeight: Float = 0.5, sessionWeight: Float = 0.5) {
        self.mfWeight = mfWeight
        self.sessionWeight = sessionWeight
    }

    /// The session's share of the two weights, `sessionWeight / (mfWeight + sessionWeight)`.
    public var sessionShare: Float { sessionWeight / max(1e-6, mfWeight + sessionWeight) }

    /// Writes the fused scores of one user into `out` (same length as the inputs).
    ///
    /// Pass nil for a side the user has no state for; with both nil every score is 0. `out` may
    /// be the memory of `mf` or `session` (each score is read before it is overwritten), so the
    /// serving path fuses in place. Allocates nothing.
    public func fuse(mf: UnsafeBufferPointer<Float>?, session: UnsafeBufferPointer<Float>?,
                     into out: UnsafeMutableBufferPointer<Float>) {
        let n = out.count
        precondition(mf.map { $0.count == n } ?? true, "HybridFusion: MF scores and output differ in length")
        precondition(session.map { $0.count == n } ?? true, "HybridFusion: session scores and output differ in length")
        let (useMF, useSession) = sides(mf: mf != nil, session: session != nil)
        let (wm, mm, ws, sm) = weights(mf: useMF ? mf.map(Self.moments) : nil, session: useSession ? session.map(Self.moments) : nil,
                                       hasMF: mf != nil, hasSession: session != nil)
        guard let o = out.baseAddress else { return }
        switch (useMF, useSession) {
        case (true, true):
            let a = mf!.baseAddress!, b = session!.baseAddress!
            for i in 0..<n { o[i] = wm * (a[i] - mm) + ws * (b[i] - sm) }
        case (true, false):
            let a = mf!.baseAddress!
            for i in 0..<n { o[i] = wm * (a[i] - mm) }
        case (false, true):
            let b = session!.baseAddress!
            for i in 0..<n { o[i] = ws * (b[i] - sm) }
        case (false, false):
            o.update(repeating: 0, count: n)
        }
    }

    /// The affine form of `fuse` for one user whose score rows have the given moments (nil: the
    /// user has no state on that side): `fused[i] = mfScale · mf[i] + sessionScale · session[i] + offset`.
    public func coefficients(mf: (mean: Float, inverseStd: Float)?, session: (mean: Float, inverseStd: Float)?)
        -> (mfScale: Float, sessionScale: Float, offset: Float) {
        let (useMF, useSession) = sides(mf: mf != nil, session: session != nil)
        let (wm, mm, ws, sm) = weights(mf: useMF ? mf : nil, session: useSession ? session : nil,
                                       hasMF: mf != nil, hasSession: session != nil)
        return (wm, ws, -(wm * mm) - ws * sm)
    }

    /// Which sides take part: a side with state counts unless the other has state too and its weight is 0.
    private func sides(mf: Bool, session: Bool) -> (useMF: Bool, useSession: Bool) {
        (mf && (!session || mfWeight != 0), session && (!mf || sessionWeight != 0))
    }

    /// Scale and mean of each side taking part (given its moments; nil: not taking part): a side alone
    /// has scale 1, both together their weights times the inverse spreads.
    private func weights(mf: (mean: Float, inverseStd: Float)?, session: (mean: Float, inverseStd: Float)?,
                         hasMF: Bool, hasSession: Bool) -> (Float, Float, Float, Float) {
        var wm: Float = 0, mm: Float = 0, ws: Float = 0, sm: Float = 0
        if let mf {
            wm = hasSession ? mfWeight * mf.inverseStd : 1
            mm = mf.mean
        }
        if let session {
            ws = hasMF ? sessionWeight * session.inverseStd : 1
            sm = session.mean
        }
        return (wm, mm, ws, sm)
    }

    /// Array convenience for `fuse(mf:session:into:)` (allocates the result).
    public func fuse(mf: [Float]?, session: [Float]?) -> [Float] {
        let n = mf?.count ?? session?.count ?? 0
        var out = [Float](repeating: 0, count: n)
        out.withUnsafeMutableBufferPointer { o in
            func withOptional(_ a: [Float]?, _ body: (UnsafeBufferPointer<Float>?) -> Void) {
                if let a { a.withUnsafeBufferPointer { body($0) } } else { body(nil) }
            }
            withOptional(mf) { m in withOptional(session) { s in fuse(mf: m, session: s, into: o) } }
        }
        return out
    }

    /// Mean and inverse standard deviation of the finite scores (inverse 1 when they are constant).
    ///
    /// Sums run 8 lanes wide in Float over blocks of 256 scores, each block's sums added in
    /// Double; a row with a non-finite score (or one too large to square in Float) is summed
    /// again one score at a time in Double, leaving the non-finite ones out.
    static func moments(_ x: UnsafeBufferPointer<Float>) -> (mean: Float, inverseStd: Float) {
        guard let p = x.baseAddress, x.count > 0 else { return (0, 1) }
        let n = x.count
        var sum = 0.0, squares = 0.0
        let raw = UnsafeRawPointer(p)
        var i = 0
        while i < n {
            let end = min(n, i + 256)
            var s = SIMD8<Float>(repeating: 0), q = SIMD8<Float>(repeating: 0)
            while i + 8 <= end {
                let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                s += v
                q += v * v
                i += 8
            }
            var st = s.sum(), qt = q.sum()
            while i < end { st += p[i]; qt += p[i] * p[i]; i += 1 }
            sum += Double(st)
            squares += Double(qt)
        }
        guard sum.isFinite && squares.isFinite else { return exactMoments(x) }
        let mean = sum / Double(n)
        let variance = max(0, squares / Double(n) - mean * mean)
        return (Float(mean), variance > 1e-12 ? Float(1 / variance.squareRoot()) : 1)
    }

    /// `moments` one score at a time in Double, over the finite scores only.
    static func exactMoments(_ x: UnsafeBufferPointer<Float>) -> (mean: Float, inverseStd: Float) {
        var sum = 0.0, squares = 0.0, count = 0
        for v in x where v.isFinite {
            sum += Double(v)
            squares += Double(v) * Double(v)
            count += 1
        }
        guard count > 0 else { return (0, 1) }
        let mean = sum / Double(count)
        let variance = max(0, squares / Double(count) - mean * mean)
        return (Float(mean), variance > 1e-12 ? Float(1 / variance.squareRoot()) : 1)
    }

    /// Picks the session share `α` (weights `1 - α`, `α`) on a grid of `steps + 1` values in [0, 1]
    /// that maximises mean NDCG@10 of the targets; ties go to the smaller `α`.
    ///
    /// - mfScores, sessionScores: per example, one score per item (same length within an example).
    /// - targets: the held-out item of each example.
    /// - excluded: per example, items left out of the ranking (the user's earlier items); may be empty.
    public static func fit(
        mfScores: [[Float]], sessionScores: [[Float]], targets: [Int], excluded: [[Int]] = [], steps: Int = 20
    ) -> (fusion: HybridFusion, ndcg10: Double) {
        precondition(mfScores.count == sessionScores.count && mfScores.count == targets.count,
                     "HybridFusion.fit: one MF row, one session row and one target per example")
        let n = mfScores.first?.count ?? 0
        precondition(mfScores.allSatisfy { $0.count == n } && sessionScores.allSatisfy { $0.count == n },
                     "HybridFusion.fit: every score row must have the same length")
        return fit(examples: targets.count, itemCount: n, targets: targets, excluded: excluded, steps: steps) { e, body in
            mfScores[e].withUnsafeBufferPointer { m in sessionScores[e].withUnsafeBufferPointer { s in body(m, s) } }
        }
    }

    /// Same as `fit(mfScores:sessionScores:targets:excluded:steps:)` on row-major score matrices
    /// (`targets.count × itemCount` each), so large validation sets need no array per example.
    public static func fit(
        mfScores: UnsafeBufferPointer<Float>, sessionScores: UnsafeBufferPointer<Float>, itemCount: Int,
        targets: [Int], excluded: [[Int]] = [], steps: Int = 20
    ) -> (fusion: HybridFusion, ndcg10: Double) {
        fit(examples: targets.count, itemCount: itemCount, targets: targets, excluded: excluded, steps: steps,
            rows: rowMajor(mfScores, sessionScores, itemCount: itemCount, examples: targets.count))
    }

    /// Mean NDCG@10 of the targets under the fusion with session share `share` (the same
    /// standardised ranking `fit` scores each of its grid points by), on row-major score matrices.
    public static func ndcg10(
        mfScores: UnsafeBufferPointer<Float>, sessionScores: UnsafeBufferPointer<Float>, itemCount: Int,
        targets: [Int], excluded: [[Int]] = [], share: Float
    ) -> Double {
        let gains = gains(grid: [share], examples: targets.count, itemCount: itemCount, targets: targets, excluded: excluded,
                          rows: rowMajor(mfScores, sessionScores, itemCount: itemCount, examples: targets.count))
        return gains[0] / Double(max(1, targets.count))
    }

    /// Example `e`'s MF and session rows of two row-major `examples × itemCount` score matrices.
    private static func rowMajor(
        _ mfScores: UnsafeBufferPointer<Float>, _ sessionScores: UnsafeBufferPointer<Float>, itemCount: Int, examples: Int
    ) -> (Int, (UnsafeBufferPointer<Float>, UnsafeBufferPointer<Float>) -> Void) -> Void {
        precondition(mfScores.count == examples * itemCount && sessionScores.count == mfScores.count,
                     "HybridFusion: score matrices must be targets.count × itemCount")
        return { e, body in
            body(UnsafeBufferPointer(rebasing: mfScores[(e * itemCount)..<((e + 1) * itemCount)]),
                 UnsafeBufferPointer(rebasing: sessionScores[(e * itemCount)..<((e + 1) * itemCount)]))
        }
    }

    private static func fit(
        examples: Int, itemCount n: Int, targets: [Int], excluded: [[Int]], steps: Int,
        rows: (Int, (UnsafeBufferPointer<Float>, UnsafeBufferPointer<Float>) -> Void) -> Void
    ) -> (fusion: HybridFusion, ndcg10: Double) {
        let grid = (0...max(1, steps)).map { Float($0) / Float(max(1, steps)) }
        let gains = gains(grid: grid, examples: examples, itemCount: n, targets: targets, excluded: excluded, rows: rows)
        var best = 0
        for g in 1..<grid.count where gains[g] > gains[best] { best = g }
        let alpha = grid[best]
        return (HybridFusion(mfWeight: 1 - alpha, sessionWeight: alpha), gains[best] / Double(max(1, examples)))
    }

    /// Summed NDCG@10 gains of the targets at each session share of `grid`.
    private static func gains(
        grid: [Float], examples: Int, itemCount n: Int, targets: [Int], excluded: [[Int]],
        rows: (Int, (UnsafeBufferPointer<Float>, UnsafeBufferPointer<Float>) -> Void) -> Void
    ) -> [Double] {
        var gains = [Double](repeating: 0, count: grid.count)
        var zm = [Float](repeating: 0, count: n), zs = [Float](repeating: 0, count: n)
        var skip = [Bool](repeating: false, count: n)
        for e in 0..<examples {
            let t = targets[e]
            guard t >= 0, t < n else { continue }
            rows(e) { m, s in
                let (mm, mi) = moments(m)
                let (sm, si) = moments(s)
                for i in 0..<n {
                    zm[i] = m[i].isFinite ? (m[i] - mm) * mi : -.infinity
                    zs[i] = s[i].isFinite ? (s[i] - sm) * si : -.infinity
                }
            }
            let ex = e < excluded.count ? excluded[e] : []
            for i in ex where i >= 0 && i < n && i != t { skip[i] = true }
            for (g, alpha) in grid.enumerated() {
                let target = (1 - alpha) * zm[t] + alpha * zs[t]
                var rank = 0
                for i in 0..<n where !skip[i] && (1 - alpha) * zm[i] + alpha * zs[i] > target {
                    rank += 1
                    if rank >= 10 { break }
                }
                if rank < 10 { gains[g] += 1 / log2(Double(rank) + 2) }
            }
            for i in ex where i >= 0 && i < n { skip[i] = false }
        }
        return gains
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
