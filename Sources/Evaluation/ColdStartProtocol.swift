import Linalg
import Models

/// Cold start of new items: a seeded `fraction` of the items (default 10 %, option `newitems`
/// in percent) is held out of training altogether, so their first interactions all fall in the
/// test part. Each user with training events and an interaction with a new item is one test
/// case: the target is their first new item (file order), ranked among the new items only
/// (the candidates a freshly described catalog offers), with the project's tie rule (equal
/// scores: the lower index first).
///
/// Without attributes every model sees new items as unknown: `pop` scores them all 0 (index
/// order), `bmf` ranks them by their random initial vectors. With `--item-attributes`, `bmf`
/// gives them vectors projected from their attributes (`SideInformationFit`) and `pop` scores
/// each by the mean training popularity of the items sharing its attributes.
enum ColdStartProtocol {
    static func run(_ data: Interactions, model: String, kList: [Int], seed: UInt64, options: ModelOptions,
                    attributes: ItemAttributes?, progress: (Progress) -> Void)
        throws -> (metrics: [String: Double], series: [String: [Double]]) {
        guard model == "bmf" || model == "pop" else {
            throw EvaluationError(.unsupported, "the coldstart protocol evaluates bmf and pop, not \(model)")
        }
        let percent = try options.int("newitems", 10)
        guard (1...90).contains(percent) else { throw EvaluationError(.invalidOption, "newitems must be a percentage from 1 to 90") }
        var rng = SeededGenerator(seed: seed &+ 7)
        var isNew = [Bool](repeating: false, count: data.items)
        for i in 0..<data.items where rng.nextInt(below: 100) < percent { isNew[i] = true }
        let candidates = (0..<data.items).filter { isNew[$0] }
        var train: [Int] = []
        var target = [Int](repeating: -1, count: data.users)
        var trainCounts = [Int](repeating: 0, count: data.items)
        for k in 0..<data.count {
            let u = Int(data.user[k]), i = Int(data.item[k])
            if isNew[i] {
                if target[u] < 0 { target[u] = i }
            } else {
                train.append(k)
                trainCounts[i] += 1
            }
        }
        var hasTraining = [Bool](repeating: false, count: data.users)
        for k in train { hasTraining[Int(data.user[k])] = true }
        let testUsers = (0..<data.users).filter { target[$0] >= 0 && hasTraining[$0] }

        var scores = [Float](repeating: 0, count: data.items)
        var series: [String: [Double]] = [:]
        var scoreUser: (Int, inout [Float]) -> Void
        switch model {
        case "pop":
            var item = [Float](repeating: 0, count: data.items)
            if let attributes {
                // Mean training popularity of the items carrying each attribute.
                var sum: [String: Double] = [:], n: [String: Double] = [:]
                for i in 0..<data.items where !isNew[i] {
                    for a in attributes.byItem[data.itemIds[i]] ?? [] { sum[a, default: 0] += Double(trainCounts[i]); n[a, default: 0] += 1 }
                }
                for i in candidates {
                    let names = (attributes.byItem[data.itemIds[i]] ?? []).filter { n[$0] != nil }
                    guard !names.isEmpty else { continue }
                    item[i] = Float(names.reduce(0.0) { $0 + sum[$1]! / n[$1]! } / Double(names.count))
                }
            }
            scoreUser = { _, s in s = item }
        default:
            var lossSeries: [Double] = []
            let fitted = try ModelCatalog.fit(model, data: data.rows(train), options: options, seed: seed) { p in
                lossSeries.append(p.loss)
                progress(Progress(stage: "\(model) training", completed: p.epoch, total: p.epochs, message: "loss \(p.loss)"))
            }
            series["training loss"] = lossSeries
            guard let mf = fitted as? OnlineMF else { throw EvaluationError(.unsupported, "\(model) is not a factor model") }
            if let attributes {
                let outcome = try SideInformationFit.apply(attributes, to: mf, itemIds: data.itemIds, trainCounts: trainCounts,
                                                           options: options)
                progress(Progress(stage: "attributes: projection fitted on \(outcome.taught) items, \(outcome.placed) new items placed",
                                  completed: 0, total: 0))
            }
            scoreUser = { u, s in s.withUnsafeMutableBufferPointer { mf.scoreAll(user: Int32(u), into: $0) } }
        }
        var acc = RankingAccumulator(kList: kList, items: data.items)
        var selector = TopKSelector(capacity: kList.max() ?? 10)
        var candidateScores = [Float](repeating: 0, count: candidates.count)
        for (n, u) in testUsers.enumerated() {
            scoreUser(u, &scores)
            let rank = scores.withUnsafeBufferPointer { RankingMetrics.rank(of: target[u], among: candidates, scores: $0) }
            acc.add(ranks: [rank])
            for (j, i) in candidates.enumerated() { candidateScores[j] = scores[i] }
            candidateScores.withUnsafeBufferPointer { s in
                selector.select(s, k: kList.max() ?? 10, exclude: { _ in false }) { j, _ in acc.recommend(candidates[j]) }
            }
            if n % 1_000 == 0 { progress(Progress(stage: "ranking new items", completed: n, total: testUsers.count)) }
        }
        var metrics = acc.metrics(includeCoverage: false)
        metrics["cases"] = Double(testUsers.count)
        metrics["new_items"] = Double(candidates.count)
        return (metrics, series)
    }
}
