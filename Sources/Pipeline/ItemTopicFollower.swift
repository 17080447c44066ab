import Foundation
import Kafka

/// Reads the item topic (compacted, key = item id) the way every instance must: all of its
/// partitions, from the start, outside the consumer group. `catchUp` reads each partition to
/// the high watermark it finds (one assignment for all, as a changelog restore does), then a
/// consumer of its own, assigned every partition at those watermarks, follows what comes after;
/// `poll` never blocks, so the pipeline loop drains it between input polls. Partitions added
/// to the topic later are read after a restart.
final class ItemTopicFollower {
    /// The topic followed.
    let topic: String
    private let bootstrapServers: String
    private let properties: [String: String]
    private let reader: KafkaPartitionReader
    private let consumer: KafkaConsumer
    /// Partitions of the topic found by `catchUp` (0: the topic does not exist).
    private(set) var partitionCount: Int32 = 0

    /// What the initial read found and how long it took.
    struct CatchUp {
        /// Records read.
        var records: Int
        /// Partitions read.
        var partitions: Int32
        /// Seconds from the metadata request to the last record.
        var seconds: Double
    }

    /// Clients of the cluster at `bootstrapServers` (`properties` are passed through, minus the
    /// consumer group's own).
    /// `fetchWaitMs` sets `fetch.wait.max.ms` of the following consumer: how long a fetch of a
    /// quiet topic waits before it is answered (a broker that does not answer early, such as the
    /// mock, answers only then).
    init(topic: String, bootstrapServers: String, properties: [String: String], groupId: String,
         role: String = "items-follower", fetchWaitMs: Int? = nil, logSink: KafkaLogSink?) throws {
        self.topic = topic
        self.bootstrapServers = bootstrapServers
        var props = properties.filter { !$0.key.hasPrefix("group.") && $0.key != "enable.auto.commit" }
        self.properties = props
        // "From the start" is from wherever the log starts: a start dropped while the catch-up
        // reads does not fail the instance's start-up.
        reader = try KafkaPartitionReader(bootstrapServers: bootstrapServers, properties: props,
                                          droppedStart: .readFromNewStart, logSink: logSink)
        props["bootstrap.servers"] = bootstrapServers
        // Never joined: manual assignment only, nothing committed.
        props["group.id"] = "\(groupId).\(role)"
        props["enable.auto.commit"] = "false"
        props["auto.offset.reset"] = "earliest"
        if let fetchWaitMs { props["fetch.wait.max.ms"] = String(fetchWaitMs) }
        consumer = try KafkaConsumer(properties: props, logSink: logSink, onError: { _ in })
    }

    /// Reads every partition from its start (or from the offset `from` names for it) to its
    /// high watermark, handing each record to `body` (offset order within a partition), then
    /// starts following from there. Returns nil when the topic does not exist (nothing is
    /// followed then). Throws when the read does not reach the watermarks within `timeoutMs`.
    func catchUp(from start: [Int32: Int64] = [:], timeoutMs: Int32, _ body: (Int32, KafkaRecord) throws -> Void) throws -> CatchUp? {
        let started = ContinuousClock.now
        let topics = try KafkaAdmin.listTopics(bootstrapServers: bootstrapServers, properties: properties, timeoutMs: 10_000)
        guard let count = topics[topic], count > 0 else { return nil }
        partitionCount = count
        var records = 0
        let all = (0..<count).map { TopicPartition(topic: topic, partition: $0) }
        var highs: [Int32: Int64] = [:]
        if start.isEmpty {
            highs = try reader.readAll(all, timeoutMs: timeoutMs) { p, record in
                records += 1
                try body(p, record)
            }
        } else {
            for tp in all {
                highs[tp.partition] = try reader.read(tp, from: start[tp.partition] ?? 0, timeoutMs: timeoutMs) { record in
                    records += 1
                    try body(tp.partition, record)
                }
            }
        }
        try consumer.assign(all.map { TopicPartitionOffset($0, offset: highs[$0.partition] ?? 0) })
        return CatchUp(records: records, partitions: count, seconds: StreamPipeline.seconds(ContinuousClock.now - started))
    }

    /// Hands the records that arrived since the last call, up to `maxMessages`, to `body`;
    /// returns how many. Does not wait.
    func poll(maxMessages: Int, _ body: (borrowing KafkaMessageView) -> Void) -> Int {
        guard partitionCount > 0 else { return 0 }
        return consumer.poll(timeoutMs: 0, maxMessages: maxMessages, body)
    }

    /// Closes the follower's consumer.
    func close() { consumer.close() }
}
