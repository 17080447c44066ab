import Engine
/// A consistent reading of the pipeline's counters, for summaries, health and metrics.
public struct PipelineStats: Sendable {
    /// Messages taken from the input topic.
    public var consumed: Int64 = 0
    /// Events applied to the model.
    public var applied: Int64 = 0
    /// Messages sent to the dead-letter topic, by reason.
    public var deadLettered: [String: Int64] = [:]
    /// Lists handed to the producer.
    public var listsPublished: Int64 = 0
    /// Refreshes whose hybrid ranking ran on the scorer's background lane while events went on.
    public var deferredRefreshes: Int64 = 0
    /// Produce failures reported by delivery reports.
    public var deliveryFailures: Int64 = 0
    /// Idle users evicted to respect the user cap.
    public var evictedUsers: Int64 = 0
    /// Distinct users and items known.
    public var users = 0
    /// See `users`.
    public var items = 0
    /// Online HR@K and NDCG@K of published lists.
    public var onlineHitRate = 0.0
    /// See `onlineHitRate`.
    public var onlineNDCG = 0.0
    /// Events scored by the online metric.
    public var onlineEvaluated: Int64 = 0
    /// Whether partitions are assigned.
    public var assigned = false
    /// Messages behind the high watermark, summed over assigned partitions (−1 when unknown).
    public var lag: Int64 = -1
    /// Whether fetching is paused for backpressure.
    public var paused = false
    /// Most recent Kafka client error, if any since the last successful poll.
    public var lastKafkaError: String?
    /// Events applied to the state in total, including those restored from the checkpoint.
    public var appliedTotal: Int64 = 0
    /// Wall-clock time of the last durable checkpoint, epoch ms.
    public var lastCheckpointWallMs: Int64?
    /// Input partitions assigned to this instance now.
    public var assignedPartitions: [Int32] = []
    /// Events applied to the state of the partitions assigned now (each partition's count
    /// travels with its state), so the sum over a group's members is the group's count.
    public var appliedOwned: Int64 = 0
    /// Partitions restored from the changelog since start, the users they held, and the
    /// seconds the restores took.
    public var restoredPartitions = 0
    /// See `restoredPartitions`.
    public var restoredUsers = 0
    /// See `restoredPartitions`.
    public var restoreSeconds = 0.0
    /// Changelog rounds written and their bytes.
    public var changelogRounds: Int64 = 0
    /// See `changelogRounds`.
    public var changelogBytes: Int64 = 0
    /// Item-topic records applied (tombstones included; the dead-lettered ones are in `deadLettered`).
    public var itemRecords: Int64 = 0
    /// Whether the initial read of the item topic is under way (not ready while it is).
    public var itemsCatchingUp = false
    /// Whether the initial read of the item-updates topic is under way (not ready while it is).
    public var itemUpdatesCatchingUp = false
    /// Item-state sharing counts (nil: not sharing).
    public var itemSharing: ItemShareStatistics?
    /// Update records the initial read of the item-updates topic found, and the seconds it took.
    public var itemUpdatesRestoreRecords = 0
    /// See `itemUpdatesRestoreRecords`.
    public var itemUpdatesRestoreSeconds = 0.0
    /// Records the initial read of the item topic found, and the seconds it took.
    public var itemRestoreRecords = 0
    /// See `itemRestoreRecords`.
    public var itemRestoreSeconds = 0.0
    /// Total dead-lettered messages.
    public var deadLetteredTotal: Int64 { deadLettered.values.reduce(0, +) }

    /// Creates zeroed stats.
    public init() {}
}
