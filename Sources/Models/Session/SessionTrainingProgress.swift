/// What the trainer reports after each epoch.
public struct SessionTrainingProgress: Sendable, Equatable {
    /// Epoch just finished, from 1.
    public var epoch: Int
    /// Mean training loss over the epoch's batches.
    public var trainingLoss: Double
    /// Validation ranking metrics of this epoch's weights (nil when no validation data was given).
    public var validation: SessionRankingMetrics?
    /// Epoch whose weights are the best so far (by validation NDCG@10, else the latest).
    public var bestEpoch: Int
    /// Seconds since training started.
    public var elapsedSeconds: Double
    /// Number of training examples (windows with a next item) per epoch.
    public var examples: Int
}
