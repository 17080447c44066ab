#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Top-K ranking metrics as pure functions of 1-based ranks (rank 1 = best), shared by the offline
/// protocols and the daemon's live prequential HR/NDCG.
///
/// Single-target functions take the target's rank; multi-target ones take the ranks of all relevant
/// items. A rank of 0 or less, or above K, counts as a miss.
public enum RankingMetrics {
    /// 1 when the target is within the top `k`, else 0.
    public static func hitRate(rank: Int, k: Int) -> Double { rank >= 1 && rank <= k ? 1 : 0 }

    /// `1 / log2(rank + 1)` within the top `k`, else 0 (one relevant item, so IDCG = 1).
    public static func ndcg(rank: Int, k: Int) -> Double {
        rank >= 1 && rank <= k ? 1 / log2(Double(rank) + 1) : 0
    }

    /// Reciprocal rank within the top `k`, else 0.
    public static func reciprocalRank(rank: Int, k: Int) -> Double { rank >= 1 && rank <= k ? 1 / Double(rank) : 0 }

    /// Relevant items in the top `k`, divided by `k`.
    public static func precision(ranks: [Int], k: Int) -> Double {
        guard k > 0 else { return 0 }
        return Double(ranks.filter { $0 >= 1 && $0 <= k }.count) / Double(k)
    }

    /// Relevant items in the top `k`, divided by the number of relevant items.
    public static func recall(ranks: [Int], k: Int) -> Double {
        guard !ranks.isEmpty else { return 0 }
        return Double(ranks.filter { $0 >= 1 && $0 <= k }.count) / Double(ranks.count)
    }

    /// 1 when any relevant item is within the top `k`.
    public static func hitRate(ranks: [Int], k: Int) -> Double { ranks.contains { $0 >= 1 && $0 <= k } ? 1 : 0 }

    /// DCG of the relevant items in the top `k` over the ideal DCG of `min(ranks.count, k)` hits.
    public static func ndcg(ranks: [Int], k: Int) -> Double {
        guard !ranks.isEmpty, k > 0 else { return 0 }
        var dcg = 0.0
        for r in ranks where r >= 1 && r <= k { dcg += 1 / log2(Double(r) + 1) }
        var idcg = 0.0
        for r in 1...min(ranks.count, k) { idcg += 1 / log2(Double(r) + 1) }
        return dcg / idcg
    }

    /// Reciprocal rank of the best-ranked relevant item within the top `k`.
    public static func reciprocalRank(ranks: [Int], k: Int) -> Double {
        guard let best = ranks.filter({ $0 >= 1 }).min() else { return 0 }
        return reciprocalRank(rank: best, k: k)
    }

    /// 1-based rank of `target` in `scores` over the items `exclude` does not drop, ties broken
    /// toward the lower index (the order ``Linalg/TopKSelector`` publishes). Returns 0 when the
    /// target itself is excluded or its score is not finite.
    public static func rank(of target: Int, scores: UnsafeBufferPointer<Float>, exclude: (Int) -> Bool = { _ in false }) -> Int {
        let s = scores[target]
        guard s.isFinite, !exclude(target) else { return 0 }
        var better = 0
        for j in 0..<scores.count where j != target {
            let x = scores[j]
            if x > s || (x == s && j < target) {
                if x.isFinite && !exclude(j) { better += 1 }
            }
        }
        return better + 1
    }

    /// Rank of `target` among itself and `candidates` (sampled protocol), same tie rule.
    public static func rank(of target: Int, among candidates: [Int], scores: UnsafeBufferPointer<Float>) -> Int {
        let s = scores[target]
        guard s.isFinite else { return 0 }
        var better = 0
        for j in candidates where j != target {
            let x = scores[j]
            if x > s || (x == s && j < target) { better += 1 }
        }
        return better + 1
    }
}
