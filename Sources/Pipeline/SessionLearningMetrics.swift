import CoreMetrics
import Engine
import Metrics

/// Metrics of the session model trained inside the daemon: the serving model's version and age,
/// the last round's loss and validation NDCG@10, the vocabulary and how much of the recent events
/// the serving model knows, the items whose input has an attribute term, the replay buffer, the trainer's CPU time,
/// the users that carried the new model's forward state at the last install, and the rounds
/// trained while the stream was quiet.
struct SessionLearningMetrics {
    let version: Gauge
    let age: Gauge
    let rounds: Gauge
    let loss: Gauge
    let ndcg: Gauge
    let vocabulary: Gauge
    let modelItems: Gauge
    let coverage: Gauge
    let attributeItems: Gauge
    let replayBytes: Gauge
    let replayUsers: Gauge
    let cpuSeconds: Gauge
    let roundSeconds: Gauge
    let warmedUsers: Gauge
    let idleRounds: Gauge

    init(factory: any MetricsFactory) {
        version = Gauge(label: "streamrec_session_model_version", factory: factory)
        age = Gauge(label: "streamrec_session_model_age_seconds", factory: factory)
        rounds = Gauge(label: "streamrec_session_training_rounds", factory: factory)
        loss = Gauge(label: "streamrec_session_training_loss", factory: factory)
        ndcg = Gauge(label: "streamrec_session_validation_ndcg_at_10", factory: factory)
        vocabulary = Gauge(label: "streamrec_session_vocabulary_items", factory: factory)
        modelItems = Gauge(label: "streamrec_session_model_items", factory: factory)
        coverage = Gauge(label: "streamrec_session_recent_coverage", factory: factory)
        attributeItems = Gauge(label: "streamrec_session_attribute_items", factory: factory)
        replayBytes = Gauge(label: "streamrec_session_replay_bytes", factory: factory)
        replayUsers = Gauge(label: "streamrec_session_replay_users", factory: factory)
        cpuSeconds = Gauge(label: "streamrec_session_trainer_cpu_seconds", factory: factory)
        roundSeconds = Gauge(label: "streamrec_session_round_seconds", factory: factory)
        warmedUsers = Gauge(label: "streamrec_session_warmed_users", factory: factory)
        idleRounds = Gauge(label: "streamrec_session_idle_rounds", factory: factory)
    }

    /// Records the figures (nothing when learning is off).
    func record(_ stats: SessionLearningStatistics?, wallClockMs: Int64) {
        guard let stats else { return }
        version.record(stats.modelVersion)
        if stats.modelMadeAtMs > 0 { age.record(Double(max(0, wallClockMs - stats.modelMadeAtMs)) / 1000) }
        rounds.record(stats.rounds)
        if let l = stats.lastLoss { loss.record(l) }
        if let n = stats.lastValidationNDCG10 { ndcg.record(n) }
        vocabulary.record(stats.vocabularyItems)
        modelItems.record(stats.modelItems)
        coverage.record(stats.recentCoverage)
        attributeItems.record(stats.attributeItems)
        replayBytes.record(stats.replayBytes)
        replayUsers.record(stats.replayUsers)
        cpuSeconds.record(stats.trainerCPUSeconds)
        roundSeconds.record(stats.lastRoundSeconds)
        warmedUsers.record(stats.warmedUsers)
        idleRounds.record(stats.idleRounds)
    }
}
