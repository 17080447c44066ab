import Engine
/// Kafka side of the daemon: where events come from, where lists and rejects go, and the loop's pacing.
public struct PipelineConfiguration: Sendable {
    /// Kafka bootstrap servers (`host:port,...`).
    public var bootstrapServers = "localhost:9092"
    /// Consumer group shared by all instances.
    public var groupId = "streamrec"
    /// Topic of interaction events (key = user id).
    public var inputTopic = "streamrec.events"
    /// Topic of recommendation lists (key = user id).
    public var outputTopic = "streamrec.recommendations"
    /// Topic for rejected messages, with the reason in a header.
    public var deadLetterTopic = "streamrec.dead-letter"
    /// Compacted topic of per-partition user state (`kafka.changelog_topic`): nil means
    /// `<groupId>.state`, the empty string turns the changelog off. Used with a consumer group.
    public var changelogTopicSetting: String?
    /// Compacted topic of item records (`kafka.items_topic`, key = item id): read from the start
    /// by every instance and followed; nil reads none.
    public var itemsTopic: String?
    /// Topic of item-state updates shared by the instances of the group
    /// (`kafka.item_updates_topic`): nil means `<groupId>.item-updates`, the empty string turns
    /// sharing off (each instance then learns its items from its own partitions only). Used
    /// with a consumer group.
    public var itemUpdatesTopicSetting: String?
    /// How often an instance sends the item changes it made, in milliseconds
    /// (`kafka.item_updates_interval_ms`); a commit round sends them too.
    public var itemUpdatesIntervalMs: Int64 = 500
    /// Most items in one update message (`kafka.item_updates_max_items`).
    public var itemUpdatesMaxItems = 1_000
    /// Compacted topic of the session encoder shared by the group (`kafka.models_topic`): nil
    /// means `<groupId>.models`, the empty string turns it off (every member then trains its
    /// own). The member owning input partition 0 trains and publishes; the others load.
    public var modelsTopicSetting: String?
    /// Longest time the initial read of the item topic may take, in milliseconds.
    public var itemsCatchUpTimeoutMs: Int32 = 120_000
    /// Longest time a restore of one partition from the changelog may take, in milliseconds.
    public var restoreTimeoutMs: Int32 = 120_000
    /// Extra librdkafka properties passed through unchanged (security, tuning).
    public var kafkaProperties: [String: String] = [:]
    /// Join the consumer group (`true`) or assign every partition of the input topic manually.
    public var useConsumerGroup = true
    /// Most messages handled per poll.
    public var pollBatchSize = 2_000
    /// Longest wait of one poll, in milliseconds.
    public var pollTimeoutMs: Int32 = 100
    /// How often dirty users are refreshed, in milliseconds.
    public var refreshIntervalMs: Int64 = 100
    /// With `engine.debounce_ms` 0, whether every list reflects all of the user's earlier events
    /// (`engine.fresh_lists`): a fetched batch is cut, and the due users refreshed, where a user's
    /// event would follow one of theirs that no list reflects yet. Off: lists are refreshed at the
    /// refresh interval only, so a burst of a user's events that arrives in one fetch gets one list.
    public var freshLists = true
    /// How often consumed offsets are committed, in milliseconds.
    public var commitIntervalMs: Int64 = 5_000
    /// Longest time shutdown waits for the producer to deliver, in milliseconds.
    public var shutdownTimeoutMs: Int32 = 10_000
    /// Producer messages in flight beyond which fetching pauses (backpressure).
    public var maxOutstandingLists = 100_000
    /// Dead-letter log lines per second at most (the rest are only counted).
    public var deadLetterLogPerSecond = 5
    /// Directory of checkpoints; nil runs without them (offsets are then committed as consumed).
    public var stateDirectory: String?
    /// Write a checkpoint (then commit its offsets) after this many applied events…
    public var checkpointEveryEvents = 100_000
    /// …or after this many milliseconds, whichever comes first.
    public var checkpointIntervalMs: Int64 = 30_000
    /// Checkpoints kept on disk.
    public var checkpointsKept = 3
    /// Snapshot from `streamrec train` loaded when no checkpoint exists.
    public var warmStartSnapshot: String?

    /// Creates the default configuration.
    public init() {}

    /// The changelog topic in force (nil: none, without a consumer group or when turned off).
    public var changelogTopic: String? {
        guard useConsumerGroup else { return nil }
        guard let setting = changelogTopicSetting else { return "\(groupId).state" }
        return setting.isEmpty ? nil : setting
    }

    /// The item-updates topic in force (nil: no sharing, without a consumer group or when
    /// turned off).
    public var itemUpdatesTopic: String? {
        guard useConsumerGroup else { return nil }
        guard let setting = itemUpdatesTopicSetting else { return "\(groupId).item-updates" }
        return setting.isEmpty ? nil : setting
    }

    /// The models topic in force (nil: none, without a consumer group or when turned off).
    public var modelsTopic: String? {
        guard useConsumerGroup else { return nil }
        guard let setting = modelsTopicSetting else { return "\(groupId).models" }
        return setting.isEmpty ? nil : setting
    }

    /// librdkafka properties of the consumer.
    ///
    /// `queued.min.messages` is raised from librdkafka's 100,000: every partition's fetch queue
    /// feeds the one consumer queue, and once that holds the threshold the client stops fetching
    /// until its broker thread next wakes up (up to a second later); a loop that drains 100,000
    /// events in well under a second then sits idle for the rest, so catching up a backlog ran
    /// at a third of the loop's speed. The prefetch stays bounded by `queued.max.messages.kbytes`
    /// (64 MiB by default).
    public func consumerProperties() -> [String: String] {
        var p = kafkaProperties
        p["bootstrap.servers"] = bootstrapServers
        p["group.id"] = groupId
        p["enable.auto.commit"] = p["enable.auto.commit"] ?? "false"
        p["auto.offset.reset"] = p["auto.offset.reset"] ?? "earliest"
        p["queued.min.messages"] = p["queued.min.messages"] ?? "1000000"
        return p
    }

    /// librdkafka properties of the producer (idempotent, acks=all, lz4 unless overridden).
    public func producerProperties() -> [String: String] {
        var p = kafkaProperties.filter { !Self.consumerOnlyKeys.contains($0.key) }
        p["bootstrap.servers"] = bootstrapServers
        p["enable.idempotence"] = p["enable.idempotence"] ?? "true"
        p["acks"] = p["acks"] ?? "all"
        p["linger.ms"] = p["linger.ms"] ?? "5"
        p["queue.buffering.max.messages"] = p["queue.buffering.max.messages"] ?? "1000000"
        p["compression.codec"] = p["compression.codec"] ?? p["compression.type"] ?? "lz4"
        return p
    }

    private static let consumerOnlyKeys: Set<String> = [
        "group.id", "enable.auto.commit", "auto.offset.reset", "session.timeout.ms",
        "heartbeat.interval.ms", "max.poll.interval.ms", "enable.auto.offset.store",
        "fetch.wait.max.ms", "fetch.min.bytes", "partition.assignment.strategy", "group.instance.id",
        "queued.min.messages", "queued.max.messages.kbytes", "fetch.max.bytes", "max.partition.fetch.bytes",
    ]
}
