import Events
import Models

/// Everything the engine needs to know, with the defaults `config/streamrec.yaml` documents.
public struct EngineConfiguration: Sendable {
    /// Length of each published list.
    public var topK = 10
    /// A user's list is published at most once per this interval (debounce), in milliseconds.
    public var debounceMs: Int64 = 1_000
    /// Dirty users scored together in one BLAS call.
    public var refreshBatchSize = 256
    /// Most users scored in one refresh round (the rest wait for the next round).
    public var refreshMaxUsers = 2_048
    /// Users with fewer events than this get the popularity list.
    public var minEventsForPersonal = 3
    /// Implicit weight of each event type (the rating type uses `ratingWeight` × value / rating maximum).
    public var typeWeights: [EventType: Float] = [.view: 0.5, .click: 1, .cart: 2, .purchase: 3, .rating: 1]
    /// Half-life of the popularity counters, in seconds of event time.
    public var popularityHalfLifeSeconds: Double = 86_400
    /// The online learner and its hyper-parameters. The step size is larger than the offline
    /// preset's: a stream is seen once, so factors must move on few events (on the planted-group
    /// test stream 0.05 leaves lists at popularity level, 0.1 puts 97 % of slots in the right group).
    public var model: OnlineMFConfiguration = {
        var m = OnlineMFConfiguration()
        m.learningRate = 0.1
        return m
    }()
    /// Passes of the MF learner over every held user's seen items once the stream has been quiet
    /// for a second (`MFIdleReplay`); 0 turns them off. Implicit feedback only. The engine's
    /// default is off; the daemon's configuration (`model.idle_epochs`) defaults to 20.
    public var idleEpochs = 0
    /// Negatives sampled per step of those passes (the stream's own steps sample
    /// `model.negativeSamples`): a pass can afford more, and on Amazon Beauty leave-one-out the
    /// offline `bmf` gains from 0.0358 HR@10 at 4 to 0.0433 at 16 (`eval --set neg=16`).
    public var idleNegatives = 16
    /// Name written into each output record's `model` field.
    public var modelName = "bmf"
    /// Largest number of users held. Beyond it the least recently active users are evicted
    /// (forgotten) to make room, or, with `evictIdleUsers` off, new users are dead-lettered.
    public var maxUsers = 5_000_000
    /// Whether a full user table evicts idle users (true) or refuses new ones (false).
    public var evictIdleUsers = true
    /// Largest number of items held; events for new items beyond it are dead-lettered.
    public var maxItems = 2_000_000
    /// Limits applied when decoding events.
    public var eventLimits = EventLimits()
    /// Largest K the prequential metrics look at (lists are `topK` long).
    public var metricK = 10
    /// The session model and the bounds of the per-user session state (none by default).
    public var session = SessionEngineConfiguration()
    /// What is done with the item topic's records: embedding width, cold start from side information.
    public var items = ItemCatalogConfiguration()

    /// Creates the default configuration.
    public init() {}

    /// Weight of one event for the implicit learner.
    @inlinable
    public func weight(of type: EventType, value: Float?) -> Float {
        let base = typeWeights[type] ?? 1
        if type == .rating, let value {
            let top = eventLimits.ratingRange.upperBound
            return top > 0 ? base * value / top : base
        }
        return base
    }
}
