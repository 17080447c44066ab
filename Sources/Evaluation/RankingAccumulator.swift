/// Sums HR, NDCG, Precision, Recall and MRR at several cut-offs, plus the items recommended (coverage).
struct RankingAccumulator {
    let kList: [Int]
    private var sums: [String: Double] = [:]
    private(set) var cases = 0
    private var recommended: [Bool]

    init(kList: [Int], items: Int) {
        self.kList = kList
        recommended = [Bool](repeating: false, count: items)
    }

    /// Adds one test case: the ranks of its relevant items (0 = not rankable).
    mutating func add(ranks: [Int]) {
        cases += 1
        for k in kList {
            sums["hr@\(k)", default: 0] += RankingMetrics.hitRate(ranks: ranks, k: k)
            sums["ndcg@\(k)", default: 0] += RankingMetrics.ndcg(ranks: ranks, k: k)
            sums["precision@\(k)", default: 0] += RankingMetrics.precision(ranks: ranks, k: k)
            sums["recall@\(k)", default: 0] += RankingMetrics.recall(ranks: ranks, k: k)
            sums["mrr@\(k)", default: 0] += RankingMetrics.reciprocalRank(ranks: ranks, k: k)
        }
    }

    /// Marks an item as recommended to someone (in the largest cut-off's list).
    mutating func recommend(_ item: Int) { recommended[item] = true }

    /// Mean metrics; `coverage` is the share of the catalog in at least one top-max(K) list.
    func metrics(includeCoverage: Bool) -> [String: Double] {
        var out = sums.mapValues { $0 / Double(max(1, cases)) }
        for k in kList where out["hr@\(k)"] == nil {
            for m in ["hr", "ndcg", "precision", "recall", "mrr"] { out["\(m)@\(k)"] = 0 }
        }
        if includeCoverage {
            out["coverage@\(kList.max() ?? 0)"] = Double(recommended.filter { $0 }.count) / Double(max(1, recommended.count))
        }
        return out
    }
}
