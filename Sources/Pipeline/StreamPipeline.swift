import Engine
import Events
import Foundation
import Kafka
import Logging
import Metrics
import Models

/// The daemon's loop: consume events, decode and validate, apply them to the recommender,
/// refresh and publish lists, dead-letter bad input, checkpoint, then commit offsets.
///
/// Exactly-once state: offsets are committed only after a checkpoint that contains them is
/// durable, and on start the newest valid checkpoint is loaded and the consumer seeks to the
/// offsets it holds, so every event is applied once to the state it restores.
///
/// `run()` blocks the calling thread (librdkafka polls block), so start it on a dedicated
/// thread; `stop()` may be called from any thread and makes `run()` drain and return.
public final class StreamPipeline: @unchecked Sendable {
    /// Kafka configuration in force.
    public let configuration: PipelineConfiguration
    /// Engine configuration in force.
    public let engineConfiguration: EngineConfiguration
    /// What was restored at start (nil: started empty).
    public let restoredCheckpoint: CheckpointInfo?
    private let logger: Logger
    private let lock = NSLock()
    private let core: RecommenderCore
    private let consumer: KafkaConsumer
    private let producer: KafkaProducer
    private let decoder: EventDecoder
    private let store: CheckpointStore?
    private let clock = ContinuousClock()
    private let startInstant: ContinuousClock.Instant
    private var metrics: PipelineMetrics
    private let deliveryFailureCounter = FailureCounter()
    private let kafkaErrors = ErrorBox()

    // Guarded by `lock`.
    private var stats = PipelineStats()
    /// Next offset to consume per input partition (index = partition), −1 when unknown.
    private var nextOffsets: [Int64] = []
    private var restoredOffsets: [Int32: Int64] = [:]
    private var committedOffsets: [Int32: Int64] = [:]
    private var assignedPartitions: Set<Int32> = []
    private var stopRequested = false
    private var readyNotified = false
    private var deadLetterLogWindow: (second: Int64, count: Int) = (0, 0)
    private var lastCheckpointApplied: Int64 = 0
    private var lastCheckpointOffsets: [Int32: Int64] = [:]
    private var lastCheckpointWallMs: Int64?

    /// Called once, on the pipeline thread, after the first partitions are assigned.
    public var onReady: (@Sendable () -> Void)?
    /// Called on the pipeline thread for every list handed to the producer (tests, HTTP cache).
    public var onPublish: (@Sendable (RecommendationList) -> Void)?

    /// Loads the newest valid checkpoint (or the warm-start snapshot) and connects a consumer and
    /// a producer; throws when the Kafka configuration is refused or no state can be read.
    ///
    /// `metricsFactory` is where its metrics are created (default: the process's bootstrapped
    /// backend).
    public init(configuration: PipelineConfiguration, engine: EngineConfiguration,
                core: RecommenderCore? = nil, logger: Logger,
                metricsFactory: (any MetricsFactory)? = nil) throws {
        self.configuration = configuration
        self.metrics = PipelineMetrics(factory: metricsFactory ?? MetricsSystem.factory)
        self.engineConfiguration = engine
        self.logger = logger
        self.decoder = EventDecoder(limits: engine.eventLimits)
        self.startInstant = clock.now

        var restored: (RecommenderCore, CheckpointInfo)?
        if let directory = configuration.stateDirectory {
            let store = try CheckpointStore(directory: directory, keep: configuration.checkpointsKept)
            self.store = store
            let (loaded, skipped) = store.loadNewest()
            for (path, error) in skipped {
                logger.error("checkpoint \(path) is unusable, trying an older one: \(error)")
            }
            if let loaded {
                restored = try RecommenderCore.restore(from: loaded.reader, configuration: engine)
                logger.info("restored \(loaded.path): \(restored!.1.appliedEvents) events applied, \(restored!.1.users) users, \(restored!.1.items) items")
            } else if !skipped.isEmpty {
                logger.critical("no checkpoint in \(directory) verifies; starting from an empty state")
            }
        } else {
            self.store = nil
        }
        if let (restoredCore, info) = restored {
            self.core = restoredCore
            self.restoredCheckpoint = info
            for (key, offset) in info.offsets where key.topic == configuration.inputTopic {
                restoredOffsets[key.partition] = offset
            }
            lastCheckpointApplied = info.appliedEvents
            lastCheckpointOffsets = restoredOffsets
            lastCheckpointWallMs = info.writtenAtMs
        } else if let core {
            self.core = core
            self.restoredCheckpoint = nil
        } else if let warm = configuration.warmStartSnapshot {
            self.core = try RecommenderCore.warmStart(path: warm, configuration: engine)
            self.restoredCheckpoint = nil
            logger.info("warm start from \(warm): \(self.core.users.count) users, \(self.core.items.count) items")
        } else {
            self.core = RecommenderCore(configuration: engine)
            self.restoredCheckpoint = nil
        }

        for line in StartupNotices.lines(pipeline: configuration, engine: engine,
                                         restoredModel: restored?.0.model.configuration) {
            logger.warning("\(line)")
        }

        let kafkaLog: KafkaLogSink = { [logger] level, facility, message in
            logger.log(level: level <= 3 ? .error : (level == 4 ? .warning : .info),
                       "librdkafka \(facility): \(message)")
        }
        let failures = deliveryFailureCounter
        producer = try KafkaProducer(properties: configuration.producerProperties(), logSink: kafkaLog,
                                     onDeliveryFailure: { [logger] error, tp in
                                         failures.increment()
                                         logger.error("delivery failed: \(error) \(tp.map { "\($0.topic)/\($0.partition)" } ?? "")")
                                     })
        let errorBox = kafkaErrors
        consumer = try KafkaConsumer(properties: configuration.consumerProperties(), logSink: kafkaLog,
                                     onError: { [logger] error in
                                         errorBox.set("\(error)")
                                         logger.warning("kafka: \(error)")
                                     })
    }

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
        s.lastKafkaError = kafkaErrors.value
        s.appliedTotal = core.appliedEvents
        s.evictedUsers = core.evictedUsers
        s.lastCheckpointWallMs = lastCheckpointWallMs
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

    /// Consumes until `stop()`; then publishes pending lists, flushes the producer, checkpoints,
    /// commits offsets and closes the consumer. Blocks the calling thread.
    public func run() throws {
        try startConsuming()
        var lastRefresh = monotonicMs
        var lastCheckpoint = monotonicMs
        var lastGauges = monotonicMs
        while !shouldStop {
            if producer.outstandingCount > configuration.maxOutstandingLists {
                setPaused(true)
                _ = producer.poll(timeoutMs: 50)
                // Keep the group membership alive while paused.
                _ = consumer.poll(timeoutMs: 0, maxMessages: 0) { _ in }
                continue
            }
            setPaused(false)
            var batchStart: ContinuousClock.Instant?
            var appliedInBatch = 0
            let polled = consumer.poll(timeoutMs: pollTimeout(sinceRefreshMs: monotonicMs - lastRefresh),
                                       maxMessages: configuration.pollBatchSize) { message in
                // Timed from the first message on: the wait for it is not update time.
                if batchStart == nil { batchStart = clock.now }
                if handle(message) { appliedInBatch += 1 }
            }
            if polled > 0, let batchStart {
                let elapsed = clock.now - batchStart
                metrics.updateLatency.recordNanoseconds(Self.nanoseconds(elapsed) / Int64(polled))
                metrics.consumed.increment(by: polled)
                metrics.applied.increment(by: appliedInBatch)
                kafkaErrors.set(nil)
            }
            let now = monotonicMs
            if now - lastRefresh >= configuration.refreshIntervalMs || core.dirtyCount >= engineConfiguration.refreshBatchSize * 4 {
                refresh(force: false)
                lastRefresh = now
            }
            _ = producer.poll(timeoutMs: 0)
            if checkpointDue(sinceMs: now - lastCheckpoint) {
                checkpointAndCommit()
                lastCheckpoint = monotonicMs
            }
            if now - lastGauges >= 1_000 {
                updateGauges()
                lastGauges = now
            }
        }
        drain()
    }

    /// How long the next poll may wait: the configured timeout, but no longer than until the
    /// next refresh is due while users wait for one (else a quiet input topic would hold their
    /// lists back for a whole poll timeout).
    private func pollTimeout(sinceRefreshMs: Int64) -> Int32 {
        guard core.dirtyCount > 0 else { return configuration.pollTimeoutMs }
        let untilRefresh = max(0, configuration.refreshIntervalMs - sinceRefreshMs)
        return Int32(min(Int64(configuration.pollTimeoutMs), untilRefresh))
    }

    private static func nanoseconds(_ d: Duration) -> Int64 {
        d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000
    }

    private func checkpointDue(sinceMs elapsed: Int64) -> Bool {
        lock.lock(); defer { lock.unlock() }
        let pending = core.appliedEvents - lastCheckpointApplied
        if store == nil {
            return elapsed >= configuration.commitIntervalMs
        }
        return pending >= Int64(configuration.checkpointEveryEvents)
            || (elapsed >= configuration.checkpointIntervalMs && (pending > 0 || offsetsChanged))
    }

    /// Whether a checkpoint or a commit has something new: offsets moved since the last
    /// checkpoint (dead letters move them too), or owned offsets are not yet committed.
    private var offsetsChanged: Bool {
        let current = currentOffsets()
        if store != nil && current != lastCheckpointOffsets { return true }
        return current.contains { assignedPartitions.contains($0.key) && committedOffsets[$0.key] != $0.value }
    }

    /// Next offset per input partition: consumed ones, else what the checkpoint restored.
    private func currentOffsets() -> [Int32: Int64] {
        var offsets = restoredOffsets
        for (p, next) in nextOffsets.enumerated() where next >= 0 { offsets[Int32(p)] = next }
        return offsets
    }

    private func startConsuming() throws {
        if configuration.useConsumerGroup {
            try consumer.subscribe(topics: [configuration.inputTopic], onAssign: { [self] partitions in
                lock.lock()
                var seeks: [TopicPartition: Int64] = [:]
                for tp in partitions where tp.topic == configuration.inputTopic {
                    assignedPartitions.insert(tp.partition)
                    if let offset = restoredOffsets[tp.partition] ?? offset(of: tp.partition) {
                        seeks[tp] = offset
                    }
                }
                stats.assigned = !assignedPartitions.isEmpty
                let first = !readyNotified
                readyNotified = true
                lock.unlock()
                logger.info("assigned \(partitions.count) partition(s) of \(configuration.inputTopic); resuming \(seeks.count) from the checkpoint")
                if first { onReady?() }
                return seeks
            }, onRevoke: { [self] partitions in
                logger.info("revoking \(partitions.count) partition(s): publishing, checkpointing and committing first")
                refresh(force: true)
                _ = producer.flush(timeoutMs: configuration.shutdownTimeoutMs)
                checkpointAndCommit()
                lock.lock()
                for tp in partitions { assignedPartitions.remove(tp.partition) }
                stats.assigned = !assignedPartitions.isEmpty
                lock.unlock()
            })
        } else {
            let topics = try KafkaAdmin.listTopics(bootstrapServers: configuration.bootstrapServers,
                                                   properties: configuration.kafkaProperties, timeoutMs: 10_000)
            guard let count = topics[configuration.inputTopic] else {
                throw KafkaError(kind: .invalidArgument, message: "input topic \(configuration.inputTopic) does not exist")
            }
            let all = (0..<count).map { TopicPartition(topic: configuration.inputTopic, partition: $0) }
            let committed = try consumer.committed(all, timeoutMs: 10_000)
            let start = all.map { tp in
                TopicPartitionOffset(tp, offset: restoredOffsets[tp.partition] ?? committed[tp] ?? -2)
            }
            try consumer.assign(start)
            lock.lock()
            assignedPartitions = Set(all.map(\.partition))
            stats.assigned = true
            readyNotified = true
            lock.unlock()
            onReady?()
        }
    }

    private func offset(of partition: Int32) -> Int64? {
        let p = Int(partition)
        return p < nextOffsets.count && nextOffsets[p] >= 0 ? nextOffsets[p] : nil
    }

    /// Decodes and applies one message, or dead-letters it; returns whether it was applied.
    private func handle(_ message: borrowing KafkaMessageView) -> Bool {
        let partition = message.partition
        let offset = message.offset
        var rejection: (reason: String, detail: String)?
        lock.lock()
        stats.consumed += 1
        do {
            let event = try decoder.decode(message.payload, fallbackTimestampMs: message.timestampMs ?? Self.wallClockMs)
            do {
                try core.apply(event, source: EventSource(partition: partition, offset: offset))
                stats.applied += 1
            } catch {
                rejection = (error.reason, error.description)
            }
        } catch {
            rejection = (error.reason, error.description)
        }
        let p = Int(partition)
        if p >= nextOffsets.count { nextOffsets += Array(repeating: -1, count: p + 1 - nextOffsets.count) }
        nextOffsets[p] = offset + 1
        lock.unlock()
        if let rejection {
            deadLetter(message, reason: rejection.reason, detail: rejection.detail)
            return false
        }
        return true
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
        metrics.deadLettered(reason).increment()
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
        let started = clock.now
        lock.lock()
        core.refresh(nowMs: monotonicMs, wallClockMs: Self.wallClockMs, force: force) { lists.append($0) }
        lock.unlock()
        if !lists.isEmpty { metrics.refreshLatency.recordNanoseconds(Self.nanoseconds(clock.now - started)) }
        for list in lists { publish(list) }
        metrics.listsPublished.increment(by: lists.count)
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

    /// Writes a checkpoint holding the current offsets (when a state directory is configured),
    /// then commits exactly those offsets. A failed checkpoint commits nothing.
    private func checkpointAndCommit() {
        lock.lock()
        let offsets = currentOffsets()
        // Commit only what this member owns: a commit from a member that lost its partitions
        // (session timeout during an outage) is refused and resets the group join in progress.
        let ownedOffsets = offsets.filter { assignedPartitions.contains($0.key) }
        let changed = ownedOffsets.contains { committedOffsets[$0.key] != $0.value }
        let pendingEvents = core.appliedEvents - lastCheckpointApplied
        var bytes: [UInt8]?
        let applied = core.appliedEvents
        if let _ = store, pendingEvents > 0 || offsets != lastCheckpointOffsets {
            let keyed = Dictionary(uniqueKeysWithValues: offsets.map {
                (TopicPartitionKey(topic: configuration.inputTopic, partition: $0.key), $0.value)
            })
            bytes = core.checkpoint(offsets: keyed, writtenAtMs: Self.wallClockMs).encoded()
        }
        lock.unlock()

        if let store, let bytes {
            let started = clock.now
            do {
                let path = try store.write(bytes, sequence: applied)
                metrics.checkpoints.increment()
                metrics.checkpointLatency.recordNanoseconds(Self.nanoseconds(clock.now - started))
                lock.lock()
                lastCheckpointApplied = applied
                lastCheckpointOffsets = offsets
                lastCheckpointWallMs = Self.wallClockMs
                lock.unlock()
                logger.debug("checkpoint \(path): \(applied) events, \(bytes.count) bytes")
            } catch {
                metrics.checkpointFailures.increment()
                logger.error("checkpoint failed; offsets stay uncommitted: \(error)")
                return
            }
        }
        guard changed else { return }
        do {
            try consumer.commit(ownedOffsets.map {
                TopicPartitionOffset(topic: configuration.inputTopic, partition: $0.key, offset: $0.value)
            })
            lock.lock()
            for (p, o) in ownedOffsets { committedOffsets[p] = o }
            lock.unlock()
        } catch {
            metrics.commitFailures.increment()
            logger.warning("offset commit failed (the checkpoint holds them; will retry): \(error)")
        }
    }

    private func updateGauges() {
        lock.lock()
        let partitions = assignedPartitions
        let positions = nextOffsets
        metrics.users.record(core.users.count)
        metrics.items.record(core.items.count)
        metrics.onlineHitRate.record(core.metrics.hitRate)
        metrics.onlineNDCG.record(core.metrics.ndcg)
        metrics.recordEvictions(core.evictedUsers)
        metrics.recordSession(core.sessionStatistics)
        metrics.modelBytes.record(core.model.userFactors.allocatedBytes + core.model.itemFactors.allocatedBytes)
        if let last = lastCheckpointWallMs {
            metrics.checkpointAge.record(Double(Self.wallClockMs - last) / 1000)
        }
        lock.unlock()
        var lag: Int64 = 0
        var known = false
        for partition in partitions {
            let tp = TopicPartition(topic: configuration.inputTopic, partition: partition)
            guard let marks = consumer.cachedWatermarks(tp) else { continue }
            let p = Int(partition)
            let position = p < positions.count && positions[p] >= 0 ? positions[p] : marks.low
            let behind = max(0, marks.high - position)
            metrics.partitionLag(partition).record(behind)
            lag += behind
            known = true
        }
        metrics.lag.record(known ? lag : -1)
        lock.lock()
        stats.lag = known ? lag : -1
        lock.unlock()
    }

    private func setPaused(_ paused: Bool) {
        lock.lock()
        let changed = stats.paused != paused
        stats.paused = paused
        lock.unlock()
        guard changed else { return }
        metrics.paused.record(paused ? 1 : 0)
        if paused {
            logger.warning("output backlog above \(configuration.maxOutstandingLists) messages: fetching paused")
        } else {
            logger.info("output backlog drained: fetching resumed")
        }
    }

    private func drain() {
        logger.info("draining: publishing pending lists, flushing the producer, checkpointing, committing")
        refresh(force: true)
        if !producer.flush(timeoutMs: configuration.shutdownTimeoutMs) {
            logger.error("producer did not drain within \(configuration.shutdownTimeoutMs) ms; \(producer.outstandingCount) message(s) left")
        }
        checkpointAndCommit()
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
