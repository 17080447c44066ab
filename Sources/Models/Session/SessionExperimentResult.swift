/// Result of one leave-one-out experiment.
public struct SessionExperimentResult: Sendable, CustomStringConvertible {
    /// Test metrics of the weights best on validation.
    public var test: SessionRankingMetrics
    /// Validation metrics of those weights.
    public var validation: SessionRankingMetrics
    /// Epoch whose weights were kept.
    public var bestEpoch: Int
    /// Epochs run before early stopping.
    public var epochsRun: Int
    /// Wall-clock training seconds (validation included).
    public var trainingSeconds: Double
    /// Trainable weights.
    public var parameterCount: Int
    /// Users evaluated.
    public var users: Int
    /// Items in the catalogue.
    public var items: Int

    public var description: String {
        "test \(test); validation \(validation); best epoch \(bestEpoch)/\(epochsRun); "
            + "\(Int(trainingSeconds)) s; \(parameterCount) weights; \(users) users, \(items) items"
    }
}
