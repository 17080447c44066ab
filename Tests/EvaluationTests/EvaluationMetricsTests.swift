import Foundation
import Testing
@testable import Evaluation

@Suite("Ranking and rating metrics")
struct EvaluationMetricsTests {
    @Test("single-target HR, NDCG and MRR at hand-computed ranks")
    func singleTarget() {
        #expect(RankingMetrics.hitRate(rank: 1, k: 10) == 1)
        #expect(RankingMetrics.hitRate(rank: 10, k: 10) == 1)
        #expect(RankingMetrics.hitRate(rank: 11, k: 10) == 0)
        #expect(RankingMetrics.hitRate(rank: 0, k: 10) == 0)
        #expect(RankingMetrics.ndcg(rank: 1, k: 5) == 1)
        #expect(abs(RankingMetrics.ndcg(rank: 3, k: 5) - 0.5) < 1e-12)  // 1/log2(4)
        #expect(abs(RankingMetrics.ndcg(rank: 2, k: 5) - 1 / log2(3.0)) < 1e-12)
        #expect(RankingMetrics.ndcg(rank: 6, k: 5) == 0)
        #expect(RankingMetrics.reciprocalRank(rank: 4, k: 5) == 0.25)
        #expect(RankingMetrics.reciprocalRank(rank: 6, k: 5) == 0)
    }

    @Test("multi-target precision, recall, NDCG; K larger than the list")
    func multiTarget() {
        // Relevant items at ranks 1 and 3.
        let ranks = [3, 1]
        #expect(RankingMetrics.precision(ranks: ranks, k: 5) == 0.4)
        #expect(RankingMetrics.recall(ranks: ranks, k: 2) == 0.5)
        #expect(RankingMetrics.recall(ranks: ranks, k: 5) == 1)
        let dcg = 1 + 0.5
        let idcg = 1 + 1 / log2(3.0)
        #expect(abs(RankingMetrics.ndcg(ranks: ranks, k: 5) - dcg / idcg) < 1e-12)
        #expect(RankingMetrics.reciprocalRank(ranks: ranks, k: 5) == 1)
        // K far beyond the number of candidates: every rankable target counts, precision still divides by K.
        #expect(RankingMetrics.recall(ranks: [2], k: 1000) == 1)
        #expect(RankingMetrics.precision(ranks: [2], k: 1000) == 0.001)
        #expect(RankingMetrics.ndcg(ranks: [1, 2], k: 1000) == 1)
        #expect(RankingMetrics.hitRate(ranks: [0, 0], k: 10) == 0)
        #expect(RankingMetrics.recall(ranks: [], k: 10) == 0)
    }

    @Test("rank from scores: ties go to the lower index, excluded items do not count")
    func rankFromScores() {
        let scores: [Float] = [0.5, 0.9, 0.5, 0.1, 0.5, .nan]
        scores.withUnsafeBufferPointer { s in
            #expect(RankingMetrics.rank(of: 1, scores: s) == 1)
            #expect(RankingMetrics.rank(of: 0, scores: s) == 2)   // tie with 2 and 4: lowest index first
            #expect(RankingMetrics.rank(of: 2, scores: s) == 3)
            #expect(RankingMetrics.rank(of: 4, scores: s) == 4)
            #expect(RankingMetrics.rank(of: 3, scores: s) == 5)   // NaN never ranks above
            #expect(RankingMetrics.rank(of: 4, scores: s) { $0 == 1 } == 3)
            #expect(RankingMetrics.rank(of: 4, scores: s) { $0 == 4 } == 0)
            #expect(RankingMetrics.rank(of: 5, scores: s) == 0)
            #expect(RankingMetrics.rank(of: 2, among: [0, 3], scores: s) == 2)
        }
    }

    @Test("joint ranks of two targets ranked with the other removed")
    func adjustedRanks() {
        #expect(RankingProtocol.adjustedRanks([3, 1]) == [4, 1])
        #expect(RankingProtocol.adjustedRanks([2, 2]) == [2, 3])
        #expect(RankingProtocol.adjustedRanks([0, 5]) == [0, 5])
        #expect(RankingProtocol.adjustedRanks([7]) == [7])
    }

    @Test("RMSE and MAE of known errors")
    func rating() {
        var m = RatingMetrics()
        m.add(prediction: 3, truth: 4)
        m.add(prediction: 5, truth: 2)
        #expect(m.count == 2)
        #expect(abs(m.rmse - (5.0).squareRoot()) < 1e-12)
        #expect(m.mae == 2)
        var other = RatingMetrics()
        other.add(prediction: 1, truth: 1)
        m.merge(other)
        #expect(abs(m.mae - 4.0 / 3) < 1e-12)
        #expect(RatingMetrics().rmse == 0)
    }

    @Test("JSON rendering matches the documented shape")
    func json() {
        let r = EvaluationResult(dataset: "u.data", protocol: "loo", model: "bmf",
                                 metrics: ["ndcg@10": 0.08, "hr@10": 0.17, "rmse": 0.91], seconds: 3.2)
        #expect(r.json == #"{"dataset":"u.data","protocol":"loo","model":"bmf","metrics":{"rmse":0.91,"hr@10":0.17,"ndcg@10":0.08},"seconds":3.2}"#)
        #expect(EvaluationResult.order(["mrr@5", "hr@20", "hr@5", "coverage@20", "mae", "rmse"]) == ["rmse", "mae", "hr@5", "hr@20", "mrr@5", "coverage@20"])
        #expect(EvaluationResult.number(0.123456, digits: 4) == "0.1235")
        #expect(EvaluationResult.quote("a\"b") == #""a\"b""#)
    }
}
