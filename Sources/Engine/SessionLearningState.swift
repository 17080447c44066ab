import Models

/// The engine-side bookkeeping of the in-daemon training: when the last round was taken, the
/// trainer thread, and the replay buffer's figures at the last round.
struct SessionLearningState {
    /// The trainer thread (made by the first round taken).
    var learner: SessionLearner?
    /// A round being taken a slice per refresh (nil: none), and the windows packed per refresh
    /// (4,096: about 1 to 2 ms of the pipeline thread).
    var draft: SessionRoundDraft?
    var packUsersPerRefresh = 4_096
    /// Applied events and wall-clock ms when the last round was taken (ms 0: not yet counted).
    var lastRoundEvents: Int64 = 0
    var lastRoundWallMs: Int64 = 0
    /// Whether the stream is quiet, looked at every maintenance.
    var quiet = QuietWatch()
    /// Idle rounds taken since the daemon started.
    var idleRoundsTotal: Int64 = 0
    /// Applied events when the idle budget was last renewed.
    var idleBudgetEvents: Int64 = 0
    /// Idle rounds taken since the budget was renewed; whether idle training stopped early (no
    /// better validation NDCG@10 for `idlePatience` rounds), the best idle NDCG and the idle
    /// rounds since it.
    var idleRoundsTaken = 0
    var idleStopped = false
    /// Whether the stream has a backlog (`RecommenderCore.setSessionStreamBehind`).
    var streamBehind = false
    var idleBestNDCG: Double?
    var idleSinceBest = 0
    /// The mean of the idle rounds since the last regular round, when it serves
    /// (`session.idle_averaging`; nil otherwise).
    var idleAverage: SessionIdleAverage?
    /// Version of the idle round last handed to the trainer (0: the last round was regular).
    var lastIdleVersion: Int64 = 0
    /// The held-out events of the last round that had enough, and their users: idle rounds
    /// measure on them again (the users stay out of training).
    var lastValidation: SessionValidationDraft?
    var lastValidationUsers: Set<Int> = []
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

    /// Notes the replay buffer's figures: bytes, users, and steps of which `covered` the serving model knew.
    mutating func recordReplay(bytes: Int, users: Int, steps: Int, covered: Int) {
        replayBytes = bytes
        replayUsers = users
        recentCoverage = steps > 0 ? Double(covered) / Double(steps) : 0
    }

    /// A regular round with `session.train_every_events` new events since the budget was last
    /// renewed renews it: at most `idleRounds` idle rounds per that many events.
    mutating func renewIdleBudget(atEvents events: Int64) {
        idleBudgetEvents = events
        idleRoundsTaken = 0
        idleStopped = false
        idleBestNDCG = nil
        idleSinceBest = 0
    }

    /// Whether idle rounds may still be taken: a budget, not spent, not stopped by the patience rule.
    func idleBudgetLeft(_ learning: SessionLearningConfiguration) -> Bool {
        learning.idleRounds > 0 && !idleStopped && idleRoundsTaken < learning.idleRounds
    }

    /// Counts an installed idle round's validation NDCG@10 against the best idle one; stops idle
    /// training after `patience` rounds without a better one.
    mutating func noteIdleRound(ndcg: Double?, patience: Int) {
        guard let ndcg else { return }
        if let best = idleBestNDCG, ndcg <= best {
            idleSinceBest += 1
            if idleSinceBest >= patience { idleStopped = true }
        } else {
            idleBestNDCG = ndcg
            idleSinceBest = 0
        }
    }
}
