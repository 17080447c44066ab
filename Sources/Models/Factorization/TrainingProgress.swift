/// Progress of a batch learner, reported once per epoch (or iteration).
public struct TrainingProgress: Sendable, Equatable {
    /// Completed epochs (1-based).
    public var epoch: Int
    /// Planned epochs.
    public var epochs: Int
    /// Mean training loss of the epoch just finished (model-specific; lower is better).
    public var loss: Double

    /// Creates a progress record.
    public init(epoch: Int, epochs: Int, loss: Double) {
        self.epoch = epoch
        self.epochs = epochs
        self.loss = loss
    }
}
