import Models

/// Rating prediction by random k-fold cross-validation: RMSE and MAE of clamped predictions.
enum RatingProtocol {
    static func run(_ data: Interactions, model: String, folds: Int, seed: UInt64, options: ModelOptions,
                    progress: (Progress) -> Void) throws -> (metrics: [String: Double], series: [String: [Double]]) {
        guard ModelCatalog.predictsRatings(model) else {
            throw EvaluationError(.unsupported, "\(model) does not predict ratings; k-fold needs biasedmf or als")
        }
        let range = data.valueRange
        var splits = Splits.kFold(data, folds: folds, seed: seed)
        if try options.bool("validation", false) {
            // Tune on a 20% holdout of fold 1's training part; its test rows stay unseen.
            splits = [Splits.holdout(splits[0].train, fraction: 0.2, seed: seed &+ 7)]
        }
        var rmses: [Double] = [], maes: [Double] = []
        var lossSeries: [Double] = []
        for (f, split) in splits.enumerated() {
            let stage = "\(model) fold \(f + 1)/\(splits.count)"
            let fitted = try ModelCatalog.fit(model, data: data.rows(split.train), options: options, seed: seed, forRatings: true) { p in
                if f == 0 { lossSeries.append(p.loss) }
                progress(Progress(stage: stage, completed: p.epoch, total: p.epochs, message: "loss \(p.loss)"))
            }
            var acc = RatingMetrics()
            for k in split.test {
                let p = fitted.predict(user: data.user[k], item: data.item[k])
                acc.add(prediction: min(max(p, range.lowerBound), range.upperBound), truth: data.value[k])
            }
            rmses.append(acc.rmse)
            maes.append(acc.mae)
        }
        let mean: ([Double]) -> Double = { $0.reduce(0, +) / Double(max(1, $0.count)) }
        return (["rmse": mean(rmses), "mae": mean(maes)], ["rmse per fold": rmses, "training loss": lossSeries])
    }
}
