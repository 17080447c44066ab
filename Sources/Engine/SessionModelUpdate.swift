import Models

/// What a training round produced: the model to serve with its fusion and ready input tables,
/// and the round's figures.
struct SessionModelUpdate: Sendable {
    var model: BiGRUSessionModel
    /// The running mean of idle rounds `model` is (nil: the round did not join one).
    var average: SessionIdleAverage?
    var fusion: HybridFusion
    var encoder: SessionBatchEncoder
    /// The new model's forward states of the round's windows (see `SessionWarmStates`).
    var warm = SessionWarmStates()
    var version: Int64
    /// Mean training loss of the round.
    var loss: Double
    /// NDCG@10 of the fused ranking on the held-out events (nil: none held out).
    var validationNDCG10: Double?
    /// Sequences and examples trained on.
    var sequences: Int
    var examples: Int
    /// Wall-clock seconds the round took on the trainer.
    var seconds: Double
    /// Wall-clock ms when it finished.
    var finishedAtMs: Int64
}
