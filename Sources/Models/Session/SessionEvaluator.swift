import Linalg

/// Leave-one-out ranking of a target item against all items, the user's earlier items excluded.
public enum SessionEvaluator {
    /// Ranks each example's last step (the target) given the steps before it (the history).
    ///
    /// Scores come from the session vector of the last `windowLength` history steps; items that
    /// appear anywhere in the history are excluded from the ranking; ties count against the target
    /// only when strictly better. Examples with an empty history are ranked on the bias alone.
    public static func evaluate(
        model: BiGRUSessionModel, examples: [[SessionStep]], batchSize: Int = 256
    ) -> SessionRankingMetrics {
        let graph = SessionBatchGraph(model: model, maxBatch: max(1, batchSize))
        return evaluate(graph: graph, examples: examples)
    }

    static func evaluate(graph: SessionBatchGraph, examples: [[SessionStep]]) -> SessionRankingMetrics {
        let model = graph.model
        let n = model.itemCount, w = model.configuration.windowLength
        let valid = examples.filter { !$0.isEmpty }
        var ranks: [Int] = []
        ranks.reserveCapacity(valid.count)
        var rng = SeededGenerator(seed: 0)
        var start = 0
        while start < valid.count {
            let chunk = valid[start..<min(valid.count, start + graph.maxBatch)]
            let steps = max(1, min(w, chunk.map { $0.count - 1 }.max() ?? 1))
            graph.prepare(batch: chunk.count, steps: steps)
            for (b, e) in chunk.enumerated() {
                graph.load(example: b, window: e[..<(e.count - 1)], target: e[e.count - 1].item,
                           configuration: model.configuration)
            }
            graph.forward(dropout: 0, rng: &rng)
            model.scoreItems(sessionVectors: graph.sessions, count: chunk.count, into: graph.logits)
            for (b, e) in chunk.enumerated() {
                let row = graph.logits + b * n
                let target = Int(e[e.count - 1].item)
                guard target >= 0, target < n else { ranks.append(n); continue }
                let targetScore = row[target]
                for s in e.dropLast() where s.item >= 0 && Int(s.item) < n && Int(s.item) != target {
                    row[Int(s.item)] = -.infinity
                }
                var rank = 0
                for j in 0..<n where row[j] > targetScore { rank += 1 }
                ranks.append(rank)
            }
            start += chunk.count
        }
        return metrics(ranks: ranks)
    }

    /// HR/NDCG at 10 and 20 and MRR from 0-based ranks.
    public static func metrics(ranks: [Int]) -> SessionRankingMetrics {
        guard !ranks.isEmpty else {
            return SessionRankingMetrics(hitRate10: 0, ndcg10: 0, hitRate20: 0, ndcg20: 0, mrr: 0, count: 0)
        }
        var hr10 = 0.0, nd10 = 0.0, hr20 = 0.0, nd20 = 0.0, mrr = 0.0
        for r in ranks {
            let gain = 1 / log2(Double(r) + 2)
            if r < 10 { hr10 += 1; nd10 += gain }
            if r < 20 { hr20 += 1; nd20 += gain }
            mrr += 1 / Double(r + 1)
        }
        let c = Double(ranks.count)
        return SessionRankingMetrics(hitRate10: hr10 / c, ndcg10: nd10 / c, hitRate20: hr20 / c, ndcg20: nd20 / c,
                                     mrr: mrr / c, count: ranks.count)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
