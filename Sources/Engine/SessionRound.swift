import Models

/// The input of one training round, taken from the engine's state on the thread that drives it
/// and handed to the trainer: sequences drawn from the replay buffer and the held-out examples
/// with their MF scores (both as compact copies the trainer expands, so taking a round costs the
/// pipeline thread little), the vocabulary size and the model to continue from.
struct SessionRound: Sendable {
    /// The training settings in force when the round was taken.
    var learning: SessionLearningConfiguration
    /// Version the round's model will carry.
    var version: Int64
    /// Items of the session vocabulary when the round was taken (the model grows to it).
    var vocabularyCount: Int
    /// The model serving when the round was taken (nil: start from random weights); for an idle
    /// round that joins the mean, the last idle round's own weights.
    var warmStart: BiGRUSessionModel?
    /// Whether the trained model joins the running mean of idle rounds (`session.idle_averaging`),
    /// and that mean so far (nil: this round starts it).
    var joinsAverage = false
    var average: SessionIdleAverage?
    /// The encoder's attribute input over the vocabulary (nil: none, or the warm start's kept).
    var features: SessionItemFeatures?
    /// Fusion serving when the round was taken (kept when there is nothing to validate on).
    var fusion: HybridFusion
    /// Training sequences (vocabulary indices, oldest first), packed.
    var pack: SessionStepPack
    /// Whose windows the packed ones are, for the new model's forward states at install.
    var warm = SessionWarmStates()
    /// The held-out events to refit the fusion on (nil: none this round), expanded by the trainer.
    var validation: SessionValidationDraft?
    /// Whether the fusion is refitted on them: not when the MF learner's quiet-stream passes
    /// changed MF after the first of them was captured (their captured MF scores no longer
    /// describe the MF that serves); the round then keeps the fusion and reports NDCG@10 under it.
    var refitFusion = true
    /// Whether the trainer keeps to `learning.trainDuty` (a round taken while the stream flows;
    /// idle rounds and rounds trained on the caller's thread run at full speed).
    var paced = false
    /// Bytes of the windows the sequences were drawn from (the replay buffer).
    var replayBytes: Int
    /// Users in the replay buffer.
    var replayUsers: Int
}
