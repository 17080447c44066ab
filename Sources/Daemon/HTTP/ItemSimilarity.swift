import Engine
import Linalg
import Pipeline

/// Items most similar to a given item by cosine similarity of the item factors: one BLAS
/// gemv of the item matrix against the item's vector, divided by the norms, partial top-K.
public enum ItemSimilarity {
    /// The `k` items closest to `item` (itself, zero vectors and unavailable items excluded), best first,
    /// with their cosine similarity; nil when the item is unknown. Call with the state held
    /// (`StreamPipeline.withCore`).
    public static func similar(to item: String, k: Int, in core: RecommenderCore) -> [(item: String, score: Float)]? {
        guard let index = core.items.index(of: item) else { return nil }
        let factors = core.model.itemFactors
        let n = core.items.count
        let d = factors.cols
        guard n > 1, k > 0 else { return [] }
        let query = factors.row(Int(index))
        let queryNorm = BLAS.nrm2(d, query)
        guard queryNorm > 0 else { return [] }

        let scores = UnsafeMutablePointer<Float>.allocate(capacity: n)
        defer { scores.deallocate() }
        BLAS.gemv(trans: false, m: n, n: d, a: factors.base, lda: d, x: query, y: scores)
        for i in 0..<n {
            let norm = BLAS.nrm2(d, factors.row(i))
            scores[i] = norm > 0 ? scores[i] / (norm * queryNorm) : -.infinity
        }
        scores[Int(index)] = -.infinity
        // Unavailable items are never recommended, here either.
        let blocked = core.catalog.blocked
        for i in 0..<min(n, blocked.count) where blocked[i] { scores[i] = -.infinity }
        var selector = TopKSelector(capacity: k)
        return selector.select(UnsafeBufferPointer(start: scores, count: n), k: k)
            .map { (core.items.id(at: Int32($0.index)), $0.score) }
    }
}
