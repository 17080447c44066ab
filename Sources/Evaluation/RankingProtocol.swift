import Linalg
import Models

/// Leave-last-one-out / leave-last-two-out by time with full ranking over the items the user has
/// not interacted with in training (optionally against `sampled` random unseen items instead).
///
/// Seen items are excluded from the ranking, except the held-out targets themselves (a target the
/// user also had in training stays rankable). S3-Rec-family code instead ranks against all items
/// and sets earlier items' scores to 0; we exclude them, which never lowers a target's rank.
enum RankingProtocol {
    static func run(_ data: Interactions, model: String, holdOut: Int, kList: [Int], seed: UInt64,
                    options: ModelOptions, attributes: ItemAttributes? = nil, progress: (Progress) -> Void)
        throws -> (metrics: [String: Double], series: [String: [Double]]) {
        var data = data
        if try options.bool("validation", false) {
            // Validation: drop each user's held-out tail, then hold out the next events the same way.
            let outer = Splits.leaveLastOut(data, count: holdOut)
            data = data.rows(outer.train)
        }
        let split = Splits.leaveLastOut(data, count: holdOut)
        var lossSeries: [Double] = []
        // Session models take attributes into their encoder's item input; factor models use them for cold items.
        let sessionModel = SessionModelFitter.names.contains(model)
        let features = try sessionModel ? attributes.flatMap {
            try SessionAttributeInput.features($0, itemIds: data.itemIds, options: options, seed: seed, progress: progress)
        } : nil
        if sessionModel, attributes != nil, features == nil {
            throw EvaluationError(.emptyData, "the --item-attributes file describes none of the \(data.items) items")
        }
        let fitted = try ModelCatalog.fit(model, data: data.rows(split.train), options: options, seed: seed,
                                          features: features) { p in
            lossSeries.append(p.loss)
            progress(Progress(stage: "\(model) training", completed: p.epoch, total: p.epochs, message: "loss \(p.loss)"))
        }
        if let attributes, !sessionModel {
            // Items with fewer than `acold` training events take vectors projected from their attributes.
            guard let mf = fitted as? OnlineMF else {
                throw EvaluationError(.unsupported, "--item-attributes works with the factor models bmf, bpr and biasedmf and the session models bigru, gru and hybrid, not \(model)")
            }
            var counts = [Int](repeating: 0, count: data.items)
            for k in split.train { counts[Int(data.item[k])] += 1 }
            let outcome = try SideInformationFit.apply(attributes, to: mf, itemIds: data.itemIds, trainCounts: counts,
                                                       coldEvents: try options.int("acold", 1), options: options)
            progress(Progress(stage: "attributes: projection fitted on \(outcome.taught) items, \(outcome.placed) items placed",
                              completed: 0, total: 0))
        }
        let metrics = try score(fitted, data: data, split: split, kList: kList, seed: seed,
                                sampled: try options.int("sampled", 0), progress: progress)
        return (metrics, ["training loss": lossSeries])
    }

    /// Ranks each user's held-out rows with `fitted`.
    static func score(_ fitted: any EvaluableModel, data: Interactions, split: Split, kList: [Int], seed: UInt64,
                      sampled: Int, progress: (Progress) -> Void) throws -> [String: Double] {
        let items = data.items
        var targets = [[Int]](repeating: [], count: data.users)
        for k in split.test { targets[Int(data.user[k])].append(Int(data.item[k])) }
        var seen = [[Int32]](repeating: [], count: data.users)
        for k in split.train { seen[Int(data.user[k])].append(data.item[k]) }
        var stamp = [Int32](repeating: -1, count: items)
        var scores = [Float](repeating: 0, count: items)
        var acc = RankingAccumulator(kList: kList, items: items)
        var selector = TopKSelector(capacity: kList.max() ?? 10)
        var rng = SeededGenerator(seed: seed &+ 99)
        let testUsers = (0..<data.users).filter { !targets[$0].isEmpty }
        for (n, u) in testUsers.enumerated() {
            let mark = Int32(u)
            for i in seen[u] { stamp[Int(i)] = mark }
            for t in targets[u] { stamp[t] = -1 }
            scores.withUnsafeMutableBufferPointer { fitted.scoreAll(user: Int32(u), into: $0) }
            let ranks: [Int] = scores.withUnsafeBufferPointer { s in
                if sampled > 0 {
                    let relevant = Set(targets[u])
                    var negatives: [Int] = []
                    var guardCount = 0
                    while negatives.count < sampled && guardCount < sampled * 100 {
                        let j = rng.nextInt(below: items)
                        guardCount += 1
                        if stamp[j] != mark && !relevant.contains(j) { negatives.append(j) }
                    }
                    return targets[u].map { t in
                        RankingMetrics.rank(of: t, among: negatives + targets[u].filter { $0 != t }, scores: s)
                    }
                }
                // Other held-out targets of the same user do not push a target down.
                let others = Set(targets[u])
                return targets[u].map { t in
                    RankingMetrics.rank(of: t, scores: s) { j in stamp[j] == mark || (j != t && others.contains(j)) }
                }
            }
            if sampled > 0 {
                acc.add(ranks: ranks)
            } else {
                // With several targets, rank positions count among the non-target items plus the targets.
                acc.add(ranks: adjustedRanks(ranks))
                scores.withUnsafeBufferPointer { s in
                    selector.select(s, k: kList.max() ?? 10, exclude: { stamp[$0] == mark }) { i, _ in acc.recommend(i) }
                }
            }
            if n % 500 == 0 { progress(Progress(stage: "ranking", completed: n, total: testUsers.count)) }
        }
        return acc.metrics(includeCoverage: sampled == 0)
    }

    /// Ranks of several targets computed with the other targets removed, turned into positions in
    /// the joint list (the j-th best target sits below the j−1 better ones).
    static func adjustedRanks(_ ranks: [Int]) -> [Int] {
        guard ranks.count > 1 else { return ranks }
        let order = ranks.indices.filter { ranks[$0] > 0 }.sorted { ranks[$0] != ranks[$1] ? ranks[$0] < ranks[$1] : $0 < $1 }
        var out = ranks
        for (pos, idx) in order.enumerated() { out[idx] = ranks[idx] + pos }
        return out
    }
}
