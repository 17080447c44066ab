import Models

/// Settings of the session model trained inside the daemon (`session.enabled` and the
/// `session.train_*` keys in `config/streamrec.yaml`).
///
/// When enabled, a trainer thread learns the Bi-GRU encoder and the MF/session fusion from the
/// stream: every `trainEveryEvents` applied events or `trainIntervalSeconds` seconds, whichever
/// comes first, a round takes the windows of the most recently active users (at most
/// `replayMaxBytes` of them; the spilled windows, most recently spilled first, after the held
/// ones when those do not fill the round), continues training the current model on them, refits the fusion on
/// held-out events, and the refresh installs the result. Until the first model is ready the
/// engine ranks by MF alone (unless `session.model` gave a warm start, which serves at once).
public struct SessionLearningConfiguration: Sendable {
    /// Whether the daemon trains a session model. The engine's default is off; the daemon's
    /// configuration (`session.enabled`) defaults to on.
    public var enabled = false
    /// Events applied between two rounds. Default 20,000.
    public var trainEveryEvents = 20_000
    /// Seconds between two rounds when fewer events arrived (wall clock). Default 60.
    public var trainIntervalSeconds: Double = 60
    /// Rounds the trainer may run back to back on the replay buffer once the stream is quiet (no
    /// event applied for `quietMs`): more passes over what the daemon saw, on the core the stream
    /// leaves idle. They reuse the last held-out events (their users stay out of training) to
    /// measure and refit the fusion, and stop early after `idlePatience` rounds without a better
    /// validation NDCG@10. The budget is renewed by the first regular round `trainEveryEvents`
    /// events after the last renewal (at most this many idle rounds per that many events). 0: the
    /// trainer waits for events. Default 20.
    public var idleRounds = 20
    /// Idle rounds in a row without a better validation NDCG@10 than the best idle round's that
    /// end idle training before its budget. Default 3.
    public var idlePatience = 3
    /// Whether the model that serves after idle rounds is the mean of the models they trained
    /// since the last regular round (`session.idle_averaging`; stochastic weight averaging):
    /// each idle round goes on from the last one's own weights, the mean serves, and the patience
    /// rule and the fusion look at the mean. On Amazon Beauty the daemon's model scored HR@10
    /// 0.0872–0.0894 leave-one-out in four replays with it, 0.0824 and 0.0862 in two without
    /// (docs/RESULTS.md). Default on.
    public var idleAveraging = true
    /// The loss of idle rounds (`session.idle_train_negatives`; 0: the softmax over every item).
    /// The stream is quiet, so they afford what a round during the stream does not: on Amazon
    /// Beauty the daemon's model scored higher leave-one-out with idle rounds over every item.
    /// Default: every item.
    public var idleLoss: SessionLoss = .fullSoftmax
    /// Wall-clock milliseconds without an applied event after which the stream counts as quiet.
    public static let quietMs: Int64 = 1_000
    /// Share of the wall clock the trainer computes while the stream flows (`session.train_duty`,
    /// within (0, 1]): after each `dutySliceSeconds` of its CPU time it sleeps long enough to keep
    /// to this share. A core kept busy even at the idle policy delayed the pipeline: with the
    /// trainer at full speed the session latency p99 was 38–55 ms on 2 cores, 31–44 ms at 0.5
    /// (`streamrec bench --only session-e2e`, four runs each). Idle rounds (the stream quiet) run at full speed,
    /// and so does training while the stream has a backlog (`RecommenderCore.setSessionStreamBehind`).
    /// 1: never sleeps. Default 0.5.
    public var trainDuty = 0.5
    /// CPU seconds the trainer computes between two sleeps while paced.
    public static let dutySliceSeconds = 0.002
    /// Bytes of the replay buffer a round trains on: the windows of the most recently active
    /// users, 13 bytes per step (item, type, time), newest users first. Default 32 MiB.
    public var replayMaxBytes = 32 << 20
    /// Most training examples (window → next item) of one round, drawn at random from the replay
    /// buffer. Default 200,000.
    public var maxExamplesPerRound = 200_000
    /// Users a round arms for holding out: each one's next event is captured before anything
    /// learns from it, and the next round refits the fusion and measures NDCG@10 on those events
    /// (the newest users of the buffer with MF history) once at least a quarter of this many were
    /// captured (they add up over rounds when fewer come back); the session share then moves
    /// halfway to the fitted one. Default 256.
    public var validationUsers = 256
    /// Rows of the encoder's attribute table (`session.attribute_buckets`): each attribute name
    /// the item topic gives is hashed (FNV-1a, 64 bits) to one of them, so every instance and
    /// every restart numbers attributes alike whatever order the records came in; each item's
    /// input adds the mean of its attributes' rows (seed 001's metadata fusion). 0: no attribute
    /// input. Default 4,096.
    public var attributeBuckets = 4_096
    /// Held-out events a fusion refit needs: a quarter of `validationUsers` (at least 1).
    public var minimumValidationEvents: Int { max(1, validationUsers / 4) }
    /// Shape and optimiser of the trained model (`itemCount` is set by the vocabulary; epochs and
    /// patience are not used: a round is one pass over its examples).
    /// Default: E = H = 64, W = 20, the five event types, a backward direction over the newest
    /// step (`backwardSteps` 1: a window that grows by a step costs one forward step to serve),
    /// dropout 0.1, learning rate 0.003, batches of 128, a softmax over the batch's targets and
    /// 256 sampled items (`session.train_negatives`; a round's cost then does not grow with the
    /// catalogue: on Amazon Beauty's 12,101 items the softmax over every item took most of a
    /// round, and the live replays at 10k events/s scored higher with 256 sampled items).
    public var model = SessionModelConfiguration(itemCount: 1, typeCount: 5, backwardSteps: 1, dropout: 0.1,
                                                 learningRate: 0.003, batchSize: 128,
                                                 loss: .sampledSoftmax(negatives: 256))

    /// The largest `attributeBuckets` (a table of 1 M rows of E floats).
    public static let maxAttributeBuckets = 1 << 20

    /// Creates the default settings (off).
    public init() {}

    /// Throws a message naming the first value out of range.
    public func validate() throws(SessionLearningError) {
        guard trainEveryEvents > 0 else { throw SessionLearningError("session.train_every_events must be positive, got \(trainEveryEvents)") }
        guard trainIntervalSeconds > 0, trainIntervalSeconds.isFinite else {
            throw SessionLearningError("session.train_interval_s must be a positive number of seconds, got \(trainIntervalSeconds)")
        }
        guard replayMaxBytes >= 1 << 16 else { throw SessionLearningError("session.replay_max_bytes must be at least 65536, got \(replayMaxBytes)") }
        guard maxExamplesPerRound > 0 else { throw SessionLearningError("session.train_max_examples must be positive, got \(maxExamplesPerRound)") }
        guard idleRounds >= 0 else { throw SessionLearningError("session.idle_rounds must not be negative, got \(idleRounds)") }
        guard trainDuty > 0, trainDuty <= 1 else { throw SessionLearningError("session.train_duty must be within (0, 1], got \(trainDuty)") }
        guard idlePatience > 0 else { throw SessionLearningError("session.idle_patience must be positive, got \(idlePatience)") }
        guard validationUsers >= 0 else { throw SessionLearningError("session.validation_users must not be negative") }
        guard (0...Self.maxAttributeBuckets).contains(attributeBuckets) else {
            throw SessionLearningError("session.attribute_buckets must be within 0...\(Self.maxAttributeBuckets), got \(attributeBuckets)")
        }
    }
}

/// A session-learning setting out of range, with a sentence naming it.
public struct SessionLearningError: Error, Sendable, CustomStringConvertible {
    /// What is wrong.
    public let description: String
    init(_ description: String) { self.description = description }
}
