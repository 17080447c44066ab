import Linalg
import Models

/// Test-then-train over events in time order: each event is scored by the current model, then
/// learned. Rating error (explicit models) and HR/NDCG@K of the event's item among the items known
/// so far that the user has not interacted with, overall and per window of `window` events.
enum PrequentialProtocol {
    static func run(_ data: Interactions, model: String, kList: [Int], seed: UInt64, options: ModelOptions,
                    progress: (Progress) -> Void) throws -> (metrics: [String: Double], series: [String: [Double]]) {
        guard ModelCatalog.onlineNames.contains(model) else {
            throw EvaluationError(.unsupported, "\(model) does not learn per event; prequential needs one of \(ModelCatalog.onlineNames.sorted())")
        }
        var order = data.timeOrder()
        if try options.bool("validation", false) { order = Array(order.prefix(order.count / 2)) }
        let window = try options.int("window", 10_000)
        let rank = try options.bool("rank", true)
        let range = data.valueRange
        let k = kList.contains(10) ? 10 : (kList.first ?? 10)

        let learner: (any StreamLearner)? = try ModelCatalog.streamLearner(model, options: options, seed: seed)
        let explicit = learner?.isExplicit ?? false
        let binary = ModelCatalog.binaryTraining(model, options: options)
        let replay = try options.int("replay", model == "biasedmf" || model == "blend" ? 5 : 0)
        var replayRng = SeededGenerator(seed: seed &+ 5)
        var pastUser = [Int32](), pastItem = [Int32](), pastValue = [Float]()
        let foldIn = try options.float("foldin", 0)
        let userReplay = try options.int("ureplay", 0)
        var userEvents = [[Int32]](repeating: [], count: data.users)
        var userHistoryItems = [[Int32]](repeating: [], count: data.users)
        var userHistoryValues = [[Float]](repeating: [], count: data.users)
        var popularity = [Float]()
        var userRow = [Int32](repeating: -1, count: data.users)
        var itemRow = [Int32](repeating: -1, count: data.items)
        var itemOfRow = [Int32]()
        var seen = [Set<Int32>](repeating: [], count: data.users)
        var scores = [Float](repeating: 0, count: data.items)
        var total = RatingMetrics(), win = RatingMetrics()
        var hits = 0.0, gains = 0.0, ranked = 0, winHits = 0.0, winGains = 0.0, winRanked = 0
        var series: [String: [Double]] = ["rmse": [], "mae": [], "hr@\(k)": [], "ndcg@\(k)": []]
        func flush() {
            if explicit {
                series["rmse"]!.append(win.rmse)
                series["mae"]!.append(win.mae)
            }
            series["hr@\(k)"]!.append(winHits / Double(max(1, winRanked)))
            series["ndcg@\(k)"]!.append(winGains / Double(max(1, winRanked)))
            win = RatingMetrics(); winHits = 0; winGains = 0; winRanked = 0
        }
        for (n, row) in order.enumerated() {
            let u = Int(data.user[row]), i = Int(data.item[row])
            if userRow[u] < 0 { userRow[u] = learner?.addUser() ?? Int32(u) }
            let mu = userRow[u]
            let knownItem = itemRow[i] >= 0
            // Score before learning.
            if explicit, let learner {
                let p = knownItem ? learner.predict(user: mu, item: itemRow[i]) : learner.coldItemPrediction(user: mu)
                let clamped = min(max(p, range.lowerBound), range.upperBound)
                total.add(prediction: clamped, truth: data.value[row])
                win.add(prediction: clamped, truth: data.value[row])
            }
            if rank {
                var r = 0
                let known = itemOfRow.count
                if knownItem && !seen[u].contains(itemRow[i]) {
                    scores.withUnsafeMutableBufferPointer { buf in
                        let part = UnsafeMutableBufferPointer(rebasing: buf[0..<known])
                        if let learner { learner.scoreAll(user: mu, into: part) } else { for j in 0..<known { part[j] = popularity[j] } }
                    }
                    let seenSet = seen[u]
                    r = scores.withUnsafeBufferPointer { s in
                        RankingMetrics.rank(of: Int(itemRow[i]), scores: UnsafeBufferPointer(rebasing: s[0..<known])) { seenSet.contains(Int32($0)) }
                    }
                }
                let h = RankingMetrics.hitRate(rank: r, k: k), g = RankingMetrics.ndcg(rank: r, k: k)
                hits += h; gains += g; ranked += 1
                winHits += h; winGains += g; winRanked += 1
            }
            // Learn.
            if !knownItem {
                itemRow[i] = learner?.addItem() ?? Int32(popularity.count)
                if learner == nil { popularity.append(0) }
                itemOfRow.append(Int32(i))
            }
            let mi = itemRow[i]
            if let learner {
                let v = binary ? 1 : data.value[row]
                learner.update(user: mu, item: mi, value: v)
                pastUser.append(mu); pastItem.append(mi); pastValue.append(v)
                if foldIn > 0, let learner = learner as? OnlineMF {
                    userHistoryItems[u].append(mi); userHistoryValues[u].append(v)
                    try userHistoryItems[u].withUnsafeBufferPointer { h in
                        try userHistoryValues[u].withUnsafeBufferPointer { w in
                            try learner.foldIn(user: mu, items: h, values: w, regularization: foldIn)
                        }
                    }
                }
                if userReplay > 0 {
                    userEvents[u].append(Int32(pastUser.count - 1))
                    let own = userEvents[u]
                    for _ in 0..<userReplay {
                        let r = Int(own[replayRng.nextInt(below: own.count)])
                        learner.replay(user: pastUser[r], item: pastItem[r], value: pastValue[r])
                    }
                }
                for _ in 0..<replay {
                    let r = replayRng.nextInt(below: pastUser.count)
                    learner.replay(user: pastUser[r], item: pastItem[r], value: pastValue[r])
                }
            } else {
                popularity[Int(mi)] += 1
            }
            seen[u].insert(mi)
            if (n + 1) % window == 0 { flush() }
            if n % 5000 == 0 { progress(Progress(stage: "\(model) prequential", completed: n, total: order.count)) }
        }
        if order.count % window != 0 { flush() }
        var metrics: [String: Double] = [:]
        if explicit {
            metrics["rmse"] = total.rmse
            metrics["mae"] = total.mae
        } else {
            series["rmse"] = nil
            series["mae"] = nil
        }
        if rank {
            metrics["hr@\(k)"] = hits / Double(max(1, ranked))
            metrics["ndcg@\(k)"] = gains / Double(max(1, ranked))
        } else {
            series["hr@\(k)"] = nil
            series["ndcg@\(k)"] = nil
        }
        return (metrics, series)
    }
}
