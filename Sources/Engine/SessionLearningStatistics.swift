/// Figures of the session model trained inside the daemon, for metrics and the demo.
public struct SessionLearningStatistics: Sendable, Equatable {
    /// Version of the serving model: 0 none yet (MF alone), 1 a `session.model` snapshot, then one
    /// more per installed round.
    public var modelVersion: Int64
    /// Wall-clock ms when the serving model was made (0: unknown or none).
    public var modelMadeAtMs: Int64
    /// Rounds finished, and installed.
    public var rounds: Int64
    /// Mean training loss of the last round (nil before the first).
    public var lastLoss: Double?
    /// NDCG@10 of the fused ranking on the last round's held-out events.
    public var lastValidationNDCG10: Double?
    /// Seconds of the last round on the trainer (wall clock).
    public var lastRoundSeconds: Double
    /// Sequences trained on by all rounds, and the trainer's busy wall-clock seconds.
    public var sequencesTrained: Int64
    public var trainingSeconds: Double
    /// CPU seconds of the trainer thread.
    public var trainerCPUSeconds: Double
    /// Items in the session vocabulary, and how many of them the serving model knows.
    public var vocabularyItems: Int
    public var modelItems: Int
    /// Items of the serving model whose input has an attribute term, and the rows of its
    /// attribute table (0: no attribute input).
    public var attributeItems: Int
    public var attributeTableRows: Int
    /// Share of the events of the replay buffer's windows whose item the serving model knows.
    public var recentCoverage: Double
    /// Bytes and users of the replay buffer at the last round.
    public var replayBytes: Int
    public var replayUsers: Int
    /// Users that carried the new model's forward state of their window (computed by the round)
    /// at the last install; the others encode their window from scratch at their next refresh.
    public var warmedUsers: Int = 0
    /// Idle rounds (trained while the stream was quiet) since the daemon started.
    public var idleRounds: Int64 = 0
    /// Whether idle training is over for now: its budget spent, stopped by the patience rule,
    /// or nothing to train on, and no round in progress (true when there is no idle training).
    public var idleTrainingOver = true
    /// Why the last round failed, if it did.
    public var lastError: String?
}
