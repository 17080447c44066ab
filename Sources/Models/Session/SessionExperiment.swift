/// Leave-one-out next-item experiments for tuning the session model on real data.
public enum SessionExperiment {
    /// Trains on all but the last two steps per user, early-stops on the second-last, and ranks the
    /// last against all items with the user's earlier items excluded.
    ///
    /// - configure: adjusts the default configuration (whose `itemCount` is set from the data).
    public static func leaveOneOut(
        dataset: SessionDataset,
        configure: (inout SessionModelConfiguration) -> Void = { _ in },
        progress: (SessionTrainingProgress) -> Void = { _ in }
    ) throws -> SessionExperimentResult {
        var c = SessionModelConfiguration(itemCount: dataset.itemCount)
        configure(&c)
        c.itemCount = dataset.itemCount
        let split = dataset.leaveOneOutSplit()
        let trainer = try SessionTrainer(configuration: c)
        var last: SessionTrainingProgress?
        let model = try trainer.train(sequences: split.training, validation: split.validation) { p in
            last = p
            progress(p)
        }
        let test = SessionEvaluator.evaluate(model: model, examples: split.test)
        let validation = SessionEvaluator.evaluate(model: model, examples: split.validation)
        return SessionExperimentResult(
            test: test, validation: validation, bestEpoch: last?.bestEpoch ?? 0, epochsRun: last?.epoch ?? 0,
            trainingSeconds: last?.elapsedSeconds ?? 0, parameterCount: model.parameterCount,
            users: split.test.count, items: dataset.itemCount)
    }
}
