/// The engine-side bookkeeping of the in-daemon training: when the last round was taken, the
/// trainer thread, and the replay buffer's figures at the last round.
struct SessionLearningState {
    /// The trainer thread (made by the first round taken).
    var learner: SessionLearner?
    /// Applied events and wall-clock ms when the last round was taken (ms 0: not yet counted).
    var lastRoundEvents: Int64 = 0
    var lastRoundWallMs: Int64 = 0
    /// Version the next round's model will carry.
    var nextVersion: Int64 = 2
    /// Rounds whose model was installed.
    var installed: Int64 = 0
    /// Users that carried the new model's forward state of their window at the last install
    /// (`SessionWarmStates`); the others encode their window from scratch.
    var lastWarmed = 0
    /// Replay buffer at the last round: bytes, users, and the share of its steps the serving model knew.
    var replayBytes = 0
    var replayUsers = 0
    var recentCoverage = 0.0
    /// Loss and validation NDCG@10 of the last round trained on the engine's own thread.
    var syncLoss: Double?
    var syncNDCG: Double?
    /// Sequences and seconds of the rounds trained on the engine's own thread.
    var syncSequences: Int64 = 0
    var syncSeconds = 0.0
    /// Whether this instance trains (false: a group member that loads the model another member
    /// trains and publishes).
    var trainsHere = true
    /// Version of the newest model handed out for publishing (0: none).
    var publishedVersion: Int64 = 0
    /// Models of other members installed.
    var sharedInstalled: Int64 = 0
}
