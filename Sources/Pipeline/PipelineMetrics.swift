import Engine
import CoreMetrics
import Metrics

/// The pipeline's metrics through the swift-metrics facade (the backend, e.g. Prometheus, is
/// chosen where the process starts). Created once; updated per poll batch, not per event.
struct PipelineMetrics {
    let consumed: Counter
    let applied: Counter
    let listsPublished: Counter
    /// Refreshes run inside a fetched batch (debounce 0: a user's next event waited for the list of their previous one).
    let refreshCuts: Counter
    let checkpoints: Counter
    let checkpointFailures: Counter
    let commitFailures: Counter
    /// Time to decode and apply one event: from the first message of a poll batch to the end of
    /// the batch, divided by its events (the wait for the first message is not included).
    let updateLatency: Timer
    /// Time to score and rank one refresh round.
    let refreshLatency: Timer
    /// Time to write one checkpoint.
    let checkpointLatency: Timer
    let users: Gauge
    let items: Gauge
    let lag: Gauge
    let paused: Gauge
    let assignedPartitions: Gauge
    /// Events applied to the state of the partitions assigned now (their counts move with them).
    let appliedOwned: Gauge
    let restoredUsers: Counter
    let changelogBytes: Counter
    let onlineHitRate: Gauge
    let onlineNDCG: Gauge
    let checkpointAge: Gauge
    let modelBytes: Gauge
    /// Passes of the MF learner over the seen items while the stream was quiet, since start.
    let mfIdleEpochs: Gauge
    let evictedUsers: Counter
    let sessionUsers: Gauge
    let sessionBytes: Gauge
    let sessionSpilledUsers: Gauge
    let sessionSpillBytes: Gauge
    let sessionRestored: Counter
    let sessionSpilled: [Counter]
    let sessionLearning: SessionLearningMetrics
    /// Where every metric is created (the process's bootstrapped backend unless given).
    private let factory: any MetricsFactory
    /// Last values of the state's own running totals, so counters move by their increase.
    private var followed = FollowedTotals()


    /// Creates the pipeline's metrics in `factory` (default: the backend bootstrapped for the
    /// process, e.g. Prometheus; a test passes its own registry's factory to read exact values).
    init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
        consumed = Counter(label: "streamrec_events_consumed_total", factory: factory)
        applied = Counter(label: "streamrec_events_applied_total", factory: factory)
        listsPublished = Counter(label: "streamrec_lists_published_total", factory: factory)
        refreshCuts = Counter(label: "streamrec_refresh_cuts_total", factory: factory)
        checkpoints = Counter(label: "streamrec_checkpoints_total", factory: factory)
        checkpointFailures = Counter(label: "streamrec_checkpoint_failures_total", factory: factory)
        commitFailures = Counter(label: "streamrec_commit_failures_total", factory: factory)
        updateLatency = Timer(label: "streamrec_update_seconds", factory: factory)
        refreshLatency = Timer(label: "streamrec_refresh_seconds", factory: factory)
        checkpointLatency = Timer(label: "streamrec_checkpoint_seconds", factory: factory)
        users = Gauge(label: "streamrec_users", factory: factory)
        items = Gauge(label: "streamrec_items", factory: factory)
        lag = Gauge(label: "streamrec_consumer_lag", factory: factory)
        paused = Gauge(label: "streamrec_fetch_paused", factory: factory)
        assignedPartitions = Gauge(label: "streamrec_assigned_partitions", factory: factory)
        appliedOwned = Gauge(label: "streamrec_state_events_applied", factory: factory)
        restoredUsers = Counter(label: "streamrec_restored_users_total", factory: factory)
        changelogBytes = Counter(label: "streamrec_changelog_bytes_total", factory: factory)
        onlineHitRate = Gauge(label: "streamrec_online_hr_at_10", factory: factory)
        onlineNDCG = Gauge(label: "streamrec_online_ndcg_at_10", factory: factory)
        checkpointAge = Gauge(label: "streamrec_checkpoint_age_seconds", factory: factory)
        modelBytes = Gauge(label: "streamrec_model_bytes", factory: factory)
        mfIdleEpochs = Gauge(label: "streamrec_mf_idle_epochs", factory: factory)
        evictedUsers = Counter(label: "streamrec_users_evicted_total", factory: factory)
        sessionLearning = SessionLearningMetrics(factory: factory)
        sessionUsers = Gauge(label: "streamrec_session_users", factory: factory)
        sessionBytes = Gauge(label: "streamrec_session_bytes", factory: factory)
        sessionSpilledUsers = Gauge(label: "streamrec_session_spilled_users", factory: factory)
        sessionSpillBytes = Gauge(label: "streamrec_session_spill_bytes", factory: factory)
        sessionRestored = Counter(label: "streamrec_session_restored_total", factory: factory)
        sessionSpilled = [SessionSpillCounters.Cause.capacity, .idle, .userEvicted].map { cause in
            Counter(label: "streamrec_session_spilled_total", dimensions: [("reason", Self.reason(cause))], factory: factory)
        }
    }

    private var deadLetterCounters: [String: Counter] = [:]

    /// Counter of dead-lettered messages for `reason` (created on first use of each reason).
    mutating func deadLettered(_ reason: String) -> Counter {
        if let c = deadLetterCounters[reason] { return c }
        let c = Counter(label: "streamrec_events_dead_lettered_total", dimensions: [("reason", reason)], factory: factory)
        deadLetterCounters[reason] = c
        return c
    }

    /// Moves the eviction counter by the increase of the state's running total since the last
    /// call (counters count from process start; a total that shrank, e.g. with state handed to
    /// another instance, becomes the new base).
    mutating func recordEvictions(_ total: Int64) {
        evictedUsers.increment(by: followed.evicted.advance(to: total))
    }

    /// Records the session state figures (nothing without a session model).
    mutating func recordSession(_ stats: SessionStatistics?) {
        guard let stats else { return }
        sessionUsers.record(stats.users)
        sessionBytes.record(stats.bytes)
        sessionSpilledUsers.record(stats.spilledUsers)
        sessionSpillBytes.record(stats.spillBytes)
        sessionRestored.increment(by: followed.restored.advance(to: stats.spills.restored))
        sessionSpilled[0].increment(by: followed.capacity.advance(to: stats.spills.capacity))
        sessionSpilled[1].increment(by: followed.idle.advance(to: stats.spills.idle))
        sessionSpilled[2].increment(by: followed.userEvicted.advance(to: stats.spills.userEvicted))
    }

    private static func reason(_ cause: SessionSpillCounters.Cause) -> String {
        switch cause {
        case .capacity: "capacity"
        case .idle: "idle"
        case .userEvicted: "user_evicted"
        }
    }

    /// Per-partition lag gauge.
    func partitionLag(_ partition: Int32) -> Gauge {
        Gauge(label: "streamrec_consumer_partition_lag", dimensions: [("partition", String(partition))], factory: factory)
    }
}

/// The last seen values of running totals kept in the state, for `PipelineMetrics`.
struct FollowedTotals {
    var evicted = FollowedTotal()
    var restored = FollowedTotal()
    var capacity = FollowedTotal()
    var idle = FollowedTotal()
    var userEvicted = FollowedTotal()
}
