/// Leave-one-out ranking quality over full item ranking, excluding each user's earlier items.
public struct SessionRankingMetrics: Sendable, Equatable, CustomStringConvertible {
    /// Fraction of examples whose target ranks in the top 10.
    public var hitRate10: Double
    /// Mean NDCG@10 with a single relevant item.
    public var ndcg10: Double
    /// Fraction whose target ranks in the top 20.
    public var hitRate20: Double
    /// Mean NDCG@20.
    public var ndcg20: Double
    /// Mean reciprocal rank over the full ranking.
    public var mrr: Double
    /// Number of examples evaluated.
    public var count: Int

    /// Creates metrics from their values.
    public init(hitRate10: Double, ndcg10: Double, hitRate20: Double, ndcg20: Double, mrr: Double, count: Int) {
        self.hitRate10 = hitRate10
        self.ndcg10 = ndcg10
        self.hitRate20 = hitRate20
        self.ndcg20 = ndcg20
        self.mrr = mrr
        self.count = count
    }

    public var description: String {
        func f(_ v: Double) -> String { String(Double(Int((v * 10000).rounded())) / 10000) }
        return "HR@10 \(f(hitRate10)) NDCG@10 \(f(ndcg10)) HR@20 \(f(hitRate20)) NDCG@20 \(f(ndcg20)) MRR \(f(mrr)) (n=\(count))"
    }
}
