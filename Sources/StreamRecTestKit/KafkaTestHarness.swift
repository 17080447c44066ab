import Engine
import Events
import Foundation
import Kafka
import Logging
import Pipeline

/// Test kit: a mock cluster with the three StreamRec topics, plus a producer and an output reader that
/// are separate librdkafka clients (as the apps and subscribers would be).
public final class KafkaTestHarness: @unchecked Sendable {
    public let cluster: MockCluster
    public let input = "events", output = "recommendations", deadLetter = "dead-letter"
    /// The item topic (one partition unless `itemPartitions` says otherwise); pipelines read it
    /// only when their configuration names it (`itemsTopic`).
    public let items = "items"
    public let partitions: Int32
    public let producer: KafkaProducer

    /// Starts a mock cluster of `brokers` brokers with the input, output and dead-letter topics.
    public init(partitions: Int32 = 3, deadLetterPartitions: Int32 = 1, brokers: Int = 1, itemPartitions: Int32 = 1) throws {
        self.partitions = partitions
        cluster = try MockCluster(brokerCount: brokers)
        try cluster.createTopic(items, partitions: itemPartitions)
        try cluster.createTopic(input, partitions: partitions)
        try cluster.createTopic(output, partitions: partitions)
        try cluster.createTopic(deadLetter, partitions: deadLetterPartitions)
        // lz4 keeps the topics under the mock partitions' 5 MiB log limit (older batches are trimmed beyond it).
        producer = try KafkaProducer(properties: ["bootstrap.servers": cluster.bootstrapServers, "linger.ms": "5",
                                                  "compression.codec": "lz4", "message.max.bytes": "2000000"])
    }

    /// Pipeline settings pointing at this cluster, tuned for fast tests. With a group, the
    /// group's changelog topic (`<group>.state`, as many partitions as the input) is created
    /// on the mock here: the mock answers no CreateTopics request.
    public func pipelineConfiguration(group: String = "streamrec-test", useGroup: Bool = true) -> PipelineConfiguration {
        if useGroup {
            try? cluster.createTopic("\(group).state", partitions: partitions)
            try? cluster.createTopic("\(group).item-updates", partitions: 1)
            try? cluster.createTopic("\(group).models", partitions: 1)
        }
        var c = PipelineConfiguration()
        c.bootstrapServers = cluster.bootstrapServers
        c.groupId = group
        c.inputTopic = input
        c.outputTopic = output
        c.deadLetterTopic = deadLetter
        c.useConsumerGroup = useGroup
        c.refreshIntervalMs = 20
        c.commitIntervalMs = 200
        c.kafkaProperties = ["session.timeout.ms": "6000", "heartbeat.interval.ms": "200"]
        return c
    }

    /// Produces one event (schema v1 JSON, keyed by user).
    public func send(_ event: Event) throws {
        try producer.produce(topic: input, key: Array(event.user.utf8), value: EventEncoder.json(event))
    }

    /// Produces raw bytes.
    public func sendRaw(key: String, value: [UInt8]) throws {
        try producer.produce(topic: input, key: Array(key.utf8), value: value)
    }

    /// Produces one item record (schema v1 JSON) to the item topic, keyed by item id.
    public func sendItem(_ record: ItemRecord) throws {
        try producer.produce(topic: items, key: Array(record.item.utf8), value: ItemRecordEncoder.json(record))
    }

    /// Produces raw bytes to the item topic.
    public func sendItemRaw(key: String, value: [UInt8]) throws {
        try producer.produce(topic: items, key: Array(key.utf8), value: value)
    }

    /// Waits for the producer to deliver.
    public func flush() { _ = producer.flush(timeoutMs: 10_000) }

    /// Reads every record of `topic` from the beginning until `quietMs` pass without a new one.
    public func readAll(_ topic: String, partitions: Int32, quietMs: Int = 1_500) throws -> [OutputRecord] {
        let consumer = try KafkaConsumer(properties: ["bootstrap.servers": cluster.bootstrapServers,
                                                      "group.id": "reader-\(UUID().uuidString)"])
        defer { consumer.close() }
        try consumer.assign((0..<partitions).map { TopicPartitionOffset(topic: topic, partition: $0, offset: -2) })
        var records: [OutputRecord] = []
        var lastNew = Date()
        while Date().timeIntervalSince(lastNew) * 1000 < Double(quietMs) {
            let n = consumer.poll(timeoutMs: 100, maxMessages: 10_000) { m in
                records.append(OutputRecord(partition: m.partition, offset: m.offset,
                                            key: String(decoding: m.key, as: UTF8.self),
                                            value: Array(m.payload),
                                            headers: Dictionary(m.headers().map { ($0.name, String(decoding: $0.value, as: UTF8.self)) },
                                                                uniquingKeysWith: { a, _ in a })))
            }
            if n > 0 { lastNew = Date() }
        }
        return records
    }
}

/// One record read back from a topic.
public struct OutputRecord: Sendable {
    public let partition: Int32
    public let offset: Int64
    public let key: String
    public let value: [UInt8]
    public let headers: [String: String]

    /// A record as read.
    public init(partition: Int32, offset: Int64, key: String, value: [UInt8], headers: [String: String]) {
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
    }

    /// The value parsed as a published list.
    public var list: ParsedList? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(value)) as? [String: Any],
              let user = object["user"] as? String,
              let items = object["items"] as? [[String: Any]],
              let version = object["version"] as? Int,
              let basedOn = object["based_on"] as? [String: Any] else { return nil }
        return ParsedList(user: user, items: items.compactMap { $0["item"] as? String },
                          scores: items.compactMap { ($0["score"] as? NSNumber)?.floatValue },
                          model: object["model"] as? String ?? "", version: version,
                          basedOnPartition: basedOn["partition"] as? Int ?? -1,
                          basedOnOffset: basedOn["offset"] as? Int ?? -1,
                          generatedAt: object["generated_at"] as? Int ?? 0)
    }
}

/// A published list, parsed back from its JSON.
public struct ParsedList: Sendable {
    public let user: String
    public let items: [String]
    public let scores: [Float]
    public let model: String
    public let version: Int
    public let basedOnPartition: Int
    public let basedOnOffset: Int
    public let generatedAt: Int
}

/// Runs a pipeline on its own thread until `stop`.
public final class PipelineRunner: @unchecked Sendable {
    public let pipeline: StreamPipeline
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var failure: Error?

    /// Starts `pipeline.run()` on a new thread.
    public init(_ pipeline: StreamPipeline) {
        self.pipeline = pipeline
        let thread = Thread { [self] in
            do { try pipeline.run() } catch { lock.lock(); failure = error; lock.unlock() }
            done.signal()
        }
        thread.start()
    }

    /// Waits until `condition` holds on the stats (or the timeout passes); returns whether it held.
    @discardableResult
    public func wait(timeout: TimeInterval = 30, until condition: (PipelineStats) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(pipeline.statsSnapshot()) { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }

    /// Stops the pipeline, waits for it to drain, and rethrows what `run()` threw.
    public func stop() throws {
        pipeline.stop()
        done.wait()
        lock.lock(); defer { lock.unlock() }
        if let failure { throw failure }
    }
}

/// A logger that drops everything.
public func quietLogger() -> Logger {
    var logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
    logger.logLevel = .critical
    return logger
}
