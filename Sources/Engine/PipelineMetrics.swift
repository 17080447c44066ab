import Metrics

/// The pipeline's metrics through the swift-metrics facade (the backend, e.g. Prometheus, is
/// chosen where the process starts). Created once; updated per poll batch, not per event.
struct PipelineMetrics {
    let consumed = Counter(label: "streamrec_events_consumed_total")
    let applied = Counter(label: "streamrec_events_applied_total")
    let listsPublished = Counter(label: "streamrec_lists_published_total")
    let checkpoints = Counter(label: "streamrec_checkpoints_total")
    let checkpointFailures = Counter(label: "streamrec_checkpoint_failures_total")
    let commitFailures = Counter(label: "streamrec_commit_failures_total")
    /// Time to decode and apply one event (batch time divided by its events).
    let updateLatency = Timer(label: "streamrec_update_seconds")
    /// Time to score and rank one refresh round.
    let refreshLatency = Timer(label: "streamrec_refresh_seconds")
    /// Time to write one checkpoint.
    let checkpointLatency = Timer(label: "streamrec_checkpoint_seconds")
    let users = Gauge(label: "streamrec_users")
    let items = Gauge(label: "streamrec_items")
    let lag = Gauge(label: "streamrec_consumer_lag")
    let paused = Gauge(label: "streamrec_fetch_paused")
    let onlineHitRate = Gauge(label: "streamrec_online_hr_at_10")
    let onlineNDCG = Gauge(label: "streamrec_online_ndcg_at_10")
    let checkpointAge = Gauge(label: "streamrec_checkpoint_age_seconds")
    let modelBytes = Gauge(label: "streamrec_model_bytes")
    let evictedUsers = Gauge(label: "streamrec_users_evicted_total")
    let sessionUsers = Gauge(label: "streamrec_session_users")
    let sessionBytes = Gauge(label: "streamrec_session_bytes")
    let sessionSpilledUsers = Gauge(label: "streamrec_session_spilled_users")
    let sessionSpillBytes = Gauge(label: "streamrec_session_spill_bytes")
    let sessionRestored = Gauge(label: "streamrec_session_restored_total")
    let sessionSpilled = [SessionSpillCounters.Cause.capacity, .idle, .userEvicted].map { cause in
        Gauge(label: "streamrec_session_spilled_total", dimensions: [("reason", Self.reason(cause))])
    }

    private var deadLetterCounters: [String: Counter] = [:]

    /// Counter of dead-lettered messages for `reason` (created on first use of each reason).
    mutating func deadLettered(_ reason: String) -> Counter {
        if let c = deadLetterCounters[reason] { return c }
        let c = Counter(label: "streamrec_events_dead_lettered_total", dimensions: [("reason", reason)])
        deadLetterCounters[reason] = c
        return c
    }

    /// Records the session state figures (nothing without a session model).
    func recordSession(_ stats: SessionStatistics?) {
        guard let stats else { return }
        sessionUsers.record(stats.users)
        sessionBytes.record(stats.bytes)
        sessionSpilledUsers.record(stats.spilledUsers)
        sessionSpillBytes.record(stats.spillBytes)
        sessionRestored.record(stats.spills.restored)
        sessionSpilled[0].record(stats.spills.capacity)
        sessionSpilled[1].record(stats.spills.idle)
        sessionSpilled[2].record(stats.spills.userEvicted)
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
        Gauge(label: "streamrec_consumer_partition_lag", dimensions: [("partition", String(partition))])
    }
}
