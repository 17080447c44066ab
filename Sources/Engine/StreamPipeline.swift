import Events
import Foundation
import Kafka
import Logging

/// The daemon's loop: consume events, decode and validate, apply them to the recommender,
/// refresh and publish lists, dead-letter bad input, commit offsets.
///
/// `run()` blocks the calling thread (librdkafka polls block), so start it on a dedicated
/// thread; `stop()` may be called from any thread and makes `run()` drain and return.
public final class StreamPipeline: @unchecked Sendable {
    /// Kafka configuration in force.
    public let configuration: PipelineConfiguration
    /// Engine configuration in force.
    public let engineConfiguration: EngineConfiguration
    private let logger: Logger
    private let lock = NSLock()
    private let core: RecommenderCore
    private let consumer: KafkaConsumer
    private let producer: KafkaProducer
    private let decoder: EventDecoder
    private let clock = ContinuousClock()
    private let startInstant: ContinuousClock.Instant

    // State below is guarded by `lock`.
    private var stats = PipelineStats()
    private var nextOffsets: [TopicPartition: Int64] = [:]
    private var committedOffsets: [TopicPartition: Int64] = [:]
    private var assignedPartitions: [TopicPartition] = []
    private var stopRequested = false
    private var readyNotified = false
    private var deadLetterLogWindow: (second: Int64, count: Int) = (0, 0)

    /// Called once, on the pipeline thread, after the first partitions are assigned.
    public var onReady: (@Sendable () -> Void)?
    /// Called on the pipeline thread for every list handed to the producer (tests, HTTP cache).
    public var onPublish: (@Sendable (RecommendationList) -> Void)?

    /// Connects a consumer and a producer; throws when the Kafka configuration is refused.
    public init(configuration: PipelineConfiguration, engine: EngineConfiguration,
                core: RecommenderCore? = nil, logger: Logger) throws {
        self.configuration = configuration
        self.engineConfiguration = engine
        self.logger = logger
        self.core = core ?? RecommenderCore(configuration: engine)
        self.decoder = EventDecoder(limits: engine.eventLimits)
        self.startInstant = clock.now
        let kafkaLog: @Sendable (Int32, String, String) -> Void = { [logger] level, facility, message in
            logger.log(level: level <= 3 ? .error : (level == 4 ? .warning : .info),
                       "librdkafka \(facility): \(message)")
        }
        let failures = FailureCounter()
        self.deliveryFailureCounter = failures
        producer = try KafkaProducer(properties: configuration.producerProperties(),
                                     logSink: kafkaLog,
                                     onDeliveryFailure: { [logger] error, tp in
                                         failures.increment()
                                         logger.error("list delivery failed: \(error) \(tp.map { "\($0.topic)/\($0.partition)" } ?? "")")
                                     })
        let errorBox = ErrorBox()
        self.kafkaErrors = errorBox
        consumer = try KafkaConsumer(properties: configuration.consumerProperties(),
                                     logSink: kafkaLog,
                                     onError: { [logger] error in
                                         errorBox.set("\(error)")
                                         logger.warning("kafka: \(error)")
                                     })
    }

    private let deliveryFailureCounter: FailureCounter
    private let kafkaErrors: ErrorBox

    /// Milliseconds since the pipeline was created (monotonic).
    private var monotonicMs: Int64 {
        let d = clock.now - startInstant
        return d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
    }

    private static var wallClockMs: Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// A consistent copy of the counters.
    public func statsSnapshot() -> PipelineStats {
        lock.lock(); defer { lock.unlock() }
        var s = stats
        s.users = core.users.count
        s.items = core.items.count
        s.onlineHitRate = core.metrics.hitRate
        s.onlineNDCG = core.metrics.ndcg
        s.onlineEvaluated = core.metrics.evaluated
        s.listsPublished = core.listsPublished
        s.deliveryFailures = deliveryFailureCounter.value
        s.listsDelivered = max(0, Int64(producer.deliveredCount) - s.deadLetteredTotal)
        s.lastKafkaError = kafkaErrors.value
        return s
    }

    /// Runs `body` with the recommender state held (for queries from other threads).
    public func withCore<R>(_ body: (RecommenderCore) throws -> R) rethrows -> R {
        lock.lock(); defer { lock.unlock() }
        return try body(core)
    }

    /// Asks `run()` to drain and return.
    public func stop() {
        lock.lock(); stopRequested = true; lock.unlock()
    }

    private var shouldStop: Bool {
        lock.lock(); defer { lock.unlock() }
        return stopRequested
    }

    /// Consumes until `stop()`; then publishes pending lists, flushes the producer, commits
    /// offsets and closes the consumer. Blocks the calling thread.
    public func run() throws {
        try startConsuming()
        var lastRefresh = monotonicMs
        var lastCommit = monotonicMs
        var lastLag = monotonicMs
        while !shouldStop {
            let backlog = producer.outstandingCount
            if backlog > configuration.maxOutstandingLists {
                setPaused(true)
                producer.poll(timeoutMs: 50)
                continue
            }
            setPaused(false)
            let polled = consumer.poll(timeoutMs: configuration.pollTimeoutMs,
                                       maxMessages: configuration.pollBatchSize) { message in
                handle(message)
            }
            if polled > 0 { kafkaErrors.set(nil) }
            let now = monotonicMs
            if now - lastRefresh >= configuration.refreshIntervalMs || core.dirtyCount >= engineConfiguration.refreshBatchSize * 4 {
                refresh(force: false)
                lastRefresh = now
            }
            producer.poll(timeoutMs: 0)
            if now - lastCommit >= configuration.commitIntervalMs {
                commit()
                lastCommit = now
            }
            if now - lastLag >= 1_000 {
                updateLag()
                lastLag = now
            }
        }
        drain()
    }

    private func startConsuming() throws {
        if configuration.useConsumerGroup {
            try consumer.subscribe(topics: [configuration.inputTopic], onAssign: { [self] partitions in
                lock.lock()
                assignedPartitions = Array(Set(assignedPartitions).union(partitions))
                stats.assigned = !assignedPartitions.isEmpty
                let first = !readyNotified
                readyNotified = true
                lock.unlock()
                logger.info("assigned \(partitions.count) partition(s) of \(configuration.inputTopic)")
                if first { onReady?() }
                return [:]
            }, onRevoke: { [self] partitions in
                logger.info("revoking \(partitions.count) partition(s); committing first")
                refresh(force: true)
                _ = producer.flush(timeoutMs: configuration.shutdownTimeoutMs)
                commit()
                lock.lock()
                assignedPartitions.removeAll { partitions.contains($0) }
                stats.assigned = !assignedPartitions.isEmpty
                lock.unlock()
            })
        } else {
            let topics = try KafkaAdmin.listTopics(bootstrapServers: configuration.bootstrapServers,
                                                   properties: configuration.kafkaProperties, timeoutMs: 10_000)
            guard let count = topics[configuration.inputTopic] else {
                throw KafkaError(kind: .invalidArgument, message: "input topic \(configuration.inputTopic) does not exist")
            }
            let committed = try consumer.committed(
                (0..<count).map { TopicPartition(topic: configuration.inputTopic, partition: $0) }, timeoutMs: 10_000)
            let start = (0..<count).map { p -> TopicPartitionOffset in
                let tp = TopicPartition(topic: configuration.inputTopic, partition: p)
                return TopicPartitionOffset(topic: tp.topic, partition: p, offset: committed[tp] ?? -2)
            }
            try consumer.assign(start)
            lock.lock()
            assignedPartitions = start.map { TopicPartition(topic: $0.topic, partition: $0.partition) }
            stats.assigned = true
            readyNotified = true
            lock.unlock()
            onReady?()
        }
    }

    private func handle(_ message: borrowing KafkaMessageView) {
        let partition = message.partition
        let offset = message.offset
        let fallback = message.timestampMs ?? Self.wallClockMs
        lock.lock()
        stats.consumed += 1
        do {
            let event = try decoder.decode(message.payload, fallbackTimestampMs: fallback)
            do {
                try core.apply(event, source: EventSource(partition: partition, offset: offset))
                stats.applied += 1
            } catch {
                lock.unlock()
                deadLetter(message, reason: error.reason, detail: error.description)
                lock.lock()
            }
        } catch {
            lock.unlock()
            deadLetter(message, reason: error.reason, detail: error.description)
            lock.lock()
        }
        nextOffsets[TopicPartition(topic: configuration.inputTopic, partition: partition)] = offset + 1
        lock.unlock()
    }

    private func deadLetter(_ message: borrowing KafkaMessageView, reason: String, detail: String) {
        let source = "\(configuration.inputTopic)/\(message.partition)/\(message.offset)"
        let headers = [
            KafkaHeader(name: "streamrec.reason", value: Array(reason.utf8)),
            KafkaHeader(name: "streamrec.detail", value: Array(detail.utf8)),
            KafkaHeader(name: "streamrec.source", value: Array(source.utf8)),
        ]
        do {
            try producer.produce(topic: configuration.deadLetterTopic, key: message.key,
                                 value: message.payload, headers: headers)
        } catch {
            logger.error("could not dead-letter \(source): \(error)")
        }
        lock.lock()
        stats.deadLettered[reason, default: 0] += 1
        let second = monotonicMs / 1000
        if deadLetterLogWindow.second != second { deadLetterLogWindow = (second, 0) }
        deadLetterLogWindow.count += 1
        let shouldLog = deadLetterLogWindow.count <= configuration.deadLetterLogPerSecond
        lock.unlock()
        if shouldLog {
            logger.warning("dead-lettered \(source): \(reason): \(detail)")
        }
    }

    private func refresh(force: Bool) {
        var lists: [RecommendationList] = []
        lock.lock()
        core.refresh(nowMs: monotonicMs, wallClockMs: Self.wallClockMs, force: force) { lists.append($0) }
        lock.unlock()
        for list in lists {
            publish(list)
        }
    }

    private func publish(_ list: RecommendationList) {
        let value = list.jsonBytes()
        do {
            try producer.produce(topic: configuration.outputTopic, key: Array(list.user.utf8), value: value)
            onPublish?(list)
        } catch {
            logger.error("could not publish the list of \(list.user): \(error)")
        }
    }

    /// Commits the offsets of everything applied so far (after the lists it caused were handed over).
    private func commit() {
        lock.lock()
        let pending = nextOffsets.filter { committedOffsets[$0.key] != $0.value }
        lock.unlock()
        guard !pending.isEmpty else { return }
        do {
            try consumer.commit(pending.map { TopicPartitionOffset(topic: $0.key.topic, partition: $0.key.partition, offset: $0.value) })
            lock.lock()
            for (tp, offset) in pending { committedOffsets[tp] = offset }
            lock.unlock()
        } catch {
            logger.warning("offset commit failed (will retry): \(error)")
        }
    }

    private func updateLag() {
        lock.lock()
        let partitions = assignedPartitions
        let positions = nextOffsets
        lock.unlock()
        var lag: Int64 = 0
        var known = false
        for tp in partitions {
            guard let marks = consumer.cachedWatermarks(tp) else { continue }
            let position = positions[tp] ?? marks.low
            lag += max(0, marks.high - position)
            known = true
        }
        lock.lock()
        stats.lag = known ? lag : -1
        lock.unlock()
    }

    private func setPaused(_ paused: Bool) {
        lock.lock()
        let changed = stats.paused != paused
        stats.paused = paused
        lock.unlock()
        if changed {
            if paused {
                logger.warning("output backlog above \(configuration.maxOutstandingLists) lists: pausing fetch")
            } else {
                logger.info("output backlog drained: resuming fetch")
            }
        }
    }

    private func drain() {
        logger.info("draining: publishing pending lists, flushing the producer, committing offsets")
        refresh(force: true)
        if !producer.flush(timeoutMs: configuration.shutdownTimeoutMs) {
            logger.error("producer did not drain within \(configuration.shutdownTimeoutMs) ms; \(producer.outstandingCount) message(s) left")
        }
        commit()
        consumer.close()
        logger.info("stopped")
    }
}

/// Thread-safe counter for delivery callbacks.
final class FailureCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count: Int64 = 0
    func increment() { lock.lock(); count += 1; lock.unlock() }
    var value: Int64 { lock.lock(); defer { lock.unlock() }; return count }
}

/// Thread-safe holder of the last Kafka error text.
final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var text: String?
    func set(_ value: String?) { lock.lock(); text = value; lock.unlock() }
    var value: String? { lock.lock(); defer { lock.unlock() }; return text }
}
