import Engine
import Events
import Foundation
import Kafka
import Logging
import Metrics
import Models

/// The daemon's loop: consume events, decode and validate, apply them to the recommender,
/// refresh and publish lists, dead-letter bad input, write the state of each partition to the
/// changelog and the local checkpoint, then commit offsets.
///
/// Exactly once, per input partition: the state held for a partition always says which input
/// position it reflects. A partition resumes at that position on every assignment, when the
/// group's committed position names the same state; otherwise its state is dropped and restored
/// from the changelog first (`StreamPipeline+Assignment.swift`). Offsets are committed only after
/// the changelog round they name, and the lists published before it, are delivered
/// (`StreamPipeline+Commit.swift`).
///
/// `run()` blocks the calling thread (librdkafka polls block), so start it on a dedicated
/// thread; `stop()` may be called from any thread and makes `run()` drain and return.
public final class StreamPipeline: @unchecked Sendable {
    /// Kafka configuration in force.
    public let configuration: PipelineConfiguration
    /// Engine configuration in force.
    public let engineConfiguration: EngineConfiguration
    /// What was restored at start from the local checkpoint (nil: started without one).
    public let restoredCheckpoint: CheckpointInfo?
    let logger: Logger
    /// Guards `core`, `partitions`, `stats` and the fields below it; taken per message on the
    /// pipeline thread and by readers on other threads.
    let lock = NSLock()
    let core: RecommenderCore
    let consumer: KafkaConsumer
    let producer: KafkaProducer
    private let decoder: EventDecoder
    let store: CheckpointStore?
    /// Held from `init` until `run()` has drained (released then, so a successor may start).
    private var directoryLock: StateDirectoryLock?
    let changelog: ChangelogWriter?
    let restorer: ChangelogRestorer?
    let failures: DeliveryFailures
    let clock = ContinuousClock()
    private let startInstant: ContinuousClock.Instant
    var metrics: PipelineMetrics
    let itemMetrics: ItemMetrics
    var itemSharingMetrics: ItemSharingMetrics
    private let kafkaErrors = ErrorBox()

    // Guarded by `lock`.
    var stats = PipelineStats()
    /// Per input partition (index = partition): assignment, position and changelog round.
    var partitions: [PartitionState] = []
    /// Partitions of the input topic (nil until known).
    var inputPartitionCount: Int32?
    private var stopRequested = false
    var readyNotified = false
    private var deadLetterLogWindow: (second: Int64, count: Int) = (0, 0)
    var lastCheckpointApplied: Int64 = 0
    var lastCheckpointWallMs: Int64?
    /// Whether fetching is paused for output backpressure.
    private var fetchPaused = false
    /// Delivery tag of everything produced now (lists, dead letters, changelog records); a
    /// round sealed under tag t commits once every message tagged at most t is delivered.
    /// Pipeline thread only.
    var deliveryEpoch: UInt32 = 1
    /// The round sealed and waiting for its deliveries (pipeline thread only).
    var pendingRound: Round?
    /// When the refresh whose hybrid lists are still being ranked began (nil: none is).
    var deferredRefreshStarted: ContinuousClock.Instant?
    /// The item topic's follower and decoder (nil: no item topic, or before `run()`).
    var itemTopic: ItemTopicState?
    /// The item-updates topic's follower and what is in flight (nil: no sharing, or before `run()`).
    var itemSharing: ItemSharingState?
    /// The item-updates topic in force: the configured one, unless it is missing and could not
    /// be created (nil: no sharing).
    var itemUpdatesTopic: String?
    /// The models topic in force (nil: every member trains its own session encoder).
    var modelsTopic: String?
    /// The models topic's follower and the chunks received (nil: no models topic, or before `run()`).
    var sessionModels: SessionModelSharingState?
    /// Where the local checkpoint left the item-updates topic (empty: read it from the start).
    var restoredItemUpdatePositions: [Int32: Int64] = [:]

    /// Called once, on the pipeline thread, after the first partitions are assigned.
    public var onReady: (@Sendable () -> Void)?
    /// Called on the pipeline thread for every list handed to the producer (tests, HTTP cache).
    public var onPublish: (@Sendable (RecommendationList) -> Void)?
    /// Called on the pipeline thread with the partitions revoked from this instance.
    public var onRevoke: (@Sendable ([Int32]) -> Void)?

    /// Takes the state directory's lock, loads the newest valid checkpoint there (or the
    /// warm-start snapshot), and connects a consumer and a producer; with a consumer group and a
    /// changelog, checks the input topic and creates the changelog topic when missing. Throws
    /// when the Kafka configuration is refused, another process holds the state directory, or
    /// no state can be read.
    ///
    /// `metricsFactory` is where its metrics are created (default: the process's bootstrapped
    /// backend).
    public init(configuration: PipelineConfiguration, engine: EngineConfiguration,
                core: RecommenderCore? = nil, logger: Logger,
                metricsFactory: (any MetricsFactory)? = nil) throws {
        self.configuration = configuration
        self.metrics = PipelineMetrics(factory: metricsFactory ?? MetricsSystem.factory)
        self.itemMetrics = ItemMetrics(factory: metricsFactory ?? MetricsSystem.factory)
        self.itemSharingMetrics = ItemSharingMetrics(factory: metricsFactory ?? MetricsSystem.factory)
        self.engineConfiguration = engine
        self.logger = logger
        self.decoder = EventDecoder(limits: engine.eventLimits)
        self.startInstant = clock.now
        self.itemUpdatesTopic = configuration.itemUpdatesTopic
        self.modelsTopic = engine.session.learning.enabled ? configuration.modelsTopic : nil

        var restored: (RecommenderCore, CheckpointInfo)?
        var restoredPartitions: [Int32: PartitionState] = [:]
        var sharedBatches: (upTo: [String: UInt64], above: [String: Set<UInt64>]) = ([:], [:])
        if let directory = configuration.stateDirectory {
            directoryLock = try StateDirectoryLock(directory: directory)
            let store = try CheckpointStore(directory: directory, keep: configuration.checkpointsKept)
            self.store = store
            let (loaded, skipped) = store.loadNewest()
            for (path, error) in skipped {
                logger.error("checkpoint \(path) is unusable, trying an older one: \(error)")
            }
            if let loaded {
                restored = try RecommenderCore.restore(from: loaded.reader, configuration: engine)
                restoredPartitions = try Self.readPartitionSection(loaded.reader)
                sharedBatches = try RecommenderCore.sharedBatches(in: loaded.reader)
                logger.info("restored \(loaded.path): \(restored!.1.appliedEvents) events applied, \(restored!.1.users) users, \(restored!.1.items) items")
                if let reason = restored!.0.skippedSessionModel {
                    logger.warning("\(loaded.path): \(reason); serving as without a checkpoint (the session.model snapshot, or MF alone until the trainer's first round)")
                }
            } else if !skipped.isEmpty {
                logger.critical("no checkpoint in \(directory) verifies; starting from an empty state")
            }
        } else {
            self.store = nil
            self.directoryLock = nil
        }
        for line in StartupNotices.lines(pipeline: configuration, engine: engine,
                                         restoredModel: restored?.0.model.configuration) {
            logger.warning("\(line)")
        }
        if let (restoredCore, info) = restored {
            self.core = restoredCore
            self.restoredCheckpoint = info
            for (key, offset) in info.offsets where key.topic == configuration.inputTopic {
                var state = restoredPartitions[key.partition] ?? PartitionState()
                state.position = offset
                restoredPartitions[key.partition] = state
            }
            lastCheckpointApplied = info.appliedEvents
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
        for (p, state) in restoredPartitions where p >= 0 {
            while partitions.count <= Int(p) { partitions.append(PartitionState()) }
            var suspended = state
            suspended.assigned = false
            partitions[Int(p)] = suspended
        }

        let kafkaLog: KafkaLogSink = { [logger] level, facility, message in
            logger.log(level: level <= 3 ? .error : (level == 4 ? .warning : .info),
                       "librdkafka \(facility): \(message)")
        }
        let failures = DeliveryFailures(outputTopic: configuration.outputTopic, changelogTopic: configuration.changelogTopic,
                                        itemUpdatesTopic: configuration.itemUpdatesTopic)
        self.failures = failures
        producer = try KafkaProducer(properties: configuration.producerProperties(), logSink: kafkaLog,
                                     onDeliveryFailure: { [logger] error, tp in
                                         logger.error("delivery failed: \(error) \(tp.map { "\($0.topic)/\($0.partition)" } ?? "")")
                                     },
                                     onFailedMessage: { failures.record($0) })
        let errorBox = kafkaErrors
        consumer = try KafkaConsumer(properties: configuration.consumerProperties(), logSink: kafkaLog,
                                     onError: { [logger] error in
                                         errorBox.set("\(error)")
                                         logger.warning("kafka: \(error)")
                                     })
        if let topic = configuration.changelogTopic {
            changelog = ChangelogWriter(topic: topic, producer: producer)
            restorer = try ChangelogRestorer(topic: topic, bootstrapServers: configuration.bootstrapServers,
                                             properties: configuration.kafkaProperties.filter { !$0.key.hasPrefix("group.") })
            self.core.tracksChanges = true
        } else {
            changelog = nil
            restorer = nil
        }
        if configuration.useConsumerGroup {
            try prepareTopics()
        }
        if let topic = itemUpdatesTopic {
            // A new author every start: what an earlier run of this instance sent is applied or
            // skipped like anyone's, by the sequences the checkpoint holds.
            let author = "\(ProcessInfo.processInfo.hostName.prefix(40))-\(UUID().uuidString.prefix(8).lowercased())"
            self.core.startItemSharing(author: author, appliedSequence: sharedBatches.upTo, appliedAbove: sharedBatches.above)
            if let info = restoredCheckpoint {
                for (key, offset) in info.offsets where key.topic == topic { restoredItemUpdatePositions[key.partition] = offset }
            }
            logger.info("sharing item state on \(topic) as \(author)")
        }
    }

    /// Creates a one-partition topic the group's members share; logs and returns false when the
    /// cluster refuses (`without` says what the member does then, `key` turns it off).
    private func createSharedTopic(_ name: String, policy: String, kind: String, key: String, without: String) -> Bool {
        do {
            try KafkaAdmin.createTopics(bootstrapServers: configuration.bootstrapServers,
                                        properties: configuration.kafkaProperties,
                                        topics: [(name: name, partitions: 1)],
                                        configs: [name: ["cleanup.policy": policy]], timeoutMs: 5_000)
            logger.info("created \(kind) topic \(name) (1 partition, cleanup.policy=\(policy))")
            return true
        } catch {
            logger.error("\(kind) topic \(name) does not exist and could not be created (\(error)): \(without); create it with 1 partition and cleanup.policy=\(policy) and restart, or set \(key): \"\" to say so")
            return false
        }
    }

    /// Creates the models and item-updates topics when missing (turning that sharing off, with an
    /// error in the log, when the cluster refuses), reads the input topic's partition count and,
    /// with a changelog, creates the changelog topic (same partition count,
    /// `cleanup.policy=compact`) when missing; refuses one whose partition count differs from
    /// the input's (it would not be co-partitioned).
    private func prepareTopics() throws {
        let topics = try KafkaAdmin.listTopics(bootstrapServers: configuration.bootstrapServers,
                                               properties: configuration.kafkaProperties, timeoutMs: 10_000)
        if let models = modelsTopic, topics[models] == nil,
           !createSharedTopic(models, policy: "compact", kind: "models", key: "kafka.models_topic",
                              without: "this member trains its own session encoder") {
            modelsTopic = nil
        }
        if let updates = itemUpdatesTopic, topics[updates] == nil,
           !createSharedTopic(updates, policy: "delete", kind: "item-updates", key: "kafka.item_updates_topic",
                              without: "this instance learns its items alone, and its items disagree with the other instances'") {
            itemUpdatesTopic = nil
        }
        guard let count = topics[configuration.inputTopic] else {
            if configuration.changelogTopic == nil { return }
            throw PipelineError("input topic \(configuration.inputTopic) does not exist: create it first "
                + "(its partition count bounds how many instances share the work), or set kafka.changelog_topic: \"\" to run without a changelog")
        }
        inputPartitionCount = count
        guard let changelogTopic = configuration.changelogTopic else { return }
        if let existing = topics[changelogTopic] {
            guard existing == count else {
                throw PipelineError("changelog topic \(changelogTopic) has \(existing) partitions, the input topic \(configuration.inputTopic) has \(count): they must match (delete and recreate the changelog, or name another with kafka.changelog_topic)")
            }
            return
        }
        do {
            try KafkaAdmin.createTopics(bootstrapServers: configuration.bootstrapServers,
                                        properties: configuration.kafkaProperties,
                                        topics: [(name: changelogTopic, partitions: count)],
                                        configs: [changelogTopic: ["cleanup.policy": "compact"]], timeoutMs: 5_000)
        } catch {
            throw PipelineError("changelog topic \(changelogTopic) does not exist and could not be created (\(error)): create it with \(count) partitions and cleanup.policy=compact, or set kafka.changelog_topic: \"\" to run without a changelog")
        }
        logger.info("created changelog topic \(changelogTopic) (\(count) partitions, cleanup.policy=compact)")
    }

    /// Milliseconds since the pipeline was created (monotonic).
    var monotonicMs: Int64 {
        let d = clock.now - startInstant
        return d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
    }

    static var wallClockMs: Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

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
        s.deliveryFailures = failures.count
        s.lastKafkaError = kafkaErrors.value
        s.appliedTotal = core.appliedEvents
        s.evictedUsers = core.evictedUsers
        s.lastCheckpointWallMs = lastCheckpointWallMs
        s.assignedPartitions = partitions.indices.filter { partitions[$0].assigned }.map(Int32.init)
        s.appliedOwned = s.assignedPartitions.reduce(0) { sum, p in
            sum + (Int(p) < core.appliedByPartition.count ? core.appliedByPartition[Int(p)] : 0)
        }
        s.paused = fetchPaused
        s.itemSharing = core.itemSharing?.statistics
        return s
    }

    /// Runs `body` with the recommender state held (for queries from other threads).
    public func withCore<R>(_ body: (RecommenderCore) throws -> R) rethrows -> R {
        lock.lock(); defer { lock.unlock() }
        return try body(core)
    }

    /// Who answers for `user`: its input partition (from the state held, else from the key hash
    /// the project's producers use, murmur2 like the Java client) and whether this instance owns
    /// it now. `partition` is nil while the input's partition count is unknown.
    public func ownership(ofUser user: String) -> (partition: Int32?, owned: Bool) {
        lock.lock(); defer { lock.unlock() }
        var partition = core.partition(ofUser: user)
        if partition == nil, let count = inputPartitionCount, count > 0 {
            partition = KafkaPartitioner.murmur2(Array(user.utf8), partitionCount: count)
        }
        guard let p = partition else { return (nil, !configuration.useConsumerGroup) }
        let owned = Int(p) < partitions.count && partitions[Int(p)].assigned
        return (p, owned)
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
        try catchUpItems()
        try catchUpItemUpdates()
        try catchUpSessionModels()
        try startConsuming()
        var lastRefresh = monotonicMs
        var lastCheckpoint = monotonicMs
        var lastGauges = monotonicMs
        // Whether the MF learner's quiet-stream replay has a slice waiting (the poll then waits 1 ms).
        var replayPending = false
        while !shouldStop {
            applyBackpressure()
            var batchStart: ContinuousClock.Instant?
            var appliedInBatch = 0
            let wait = fetchPaused ? Int32(50) : replayPending ? Int32(1) : pollTimeout(sinceRefreshMs: monotonicMs - lastRefresh)
            // Polling goes on while paused: the group sees a live member and rebalances run.
            let polled = consumer.poll(timeoutMs: wait, maxMessages: configuration.pollBatchSize) { message in
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
            collectDeferredLists(wait: false)
            pollItems()
            pollItemUpdates()
            pollSessionModels()
            let now = monotonicMs
            // While a deferred ranking runs, events go on being applied; the next refresh starts
            // once its lists are out (collected above), with the users queued meanwhile.
            if deferredRefreshStarted == nil,
               now - lastRefresh >= configuration.refreshIntervalMs || core.dirtyCount >= engineConfiguration.refreshBatchSize * 4 {
                refresh(force: false)
                lastRefresh = now
                updateSessionTrainer()
                shareSessionModel()
            }
            shareItemUpdates()
            replayPending = replayWhileQuiet()
            _ = producer.poll(timeoutMs: 0)
            finishDeliveredRound()
            if checkpointDue(sinceMs: now - lastCheckpoint), startRound() {
                lastCheckpoint = monotonicMs
            }
            if now - lastGauges >= 1_000 {
                updateGauges()
                lastGauges = now
            }
        }
        drain()
    }

    /// One slice (about 20 ms) of the MF learner's replay over the seen items while the stream is
    /// quiet (`model.idle_epochs`); whether more is waiting.
    private func replayWhileQuiet() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return core.replayWhileQuiet(wallClockMs: Self.wallClockMs)
    }

    /// How long the next poll may wait: the configured timeout, but no longer than until the
    /// next refresh is due while users wait for one (else a quiet input topic would hold their
    /// lists back for a whole poll timeout).
    private func pollTimeout(sinceRefreshMs: Int64) -> Int32 {
        // Lists being ranked in the background are published when the poll returns.
        if deferredRefreshStarted != nil { return 1 }
        guard core.dirtyCount > 0 else { return configuration.pollTimeoutMs }
        let untilRefresh = max(0, configuration.refreshIntervalMs - sinceRefreshMs)
        return Int32(min(Int64(configuration.pollTimeoutMs), untilRefresh))
    }

    static func nanoseconds(_ d: Duration) -> Int64 {
        d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    /// Pauses fetching from the assigned partitions while the producer holds more than
    /// `maxOutstandingLists` messages, and resumes once it is down to half of that.
    private func applyBackpressure() {
        let outstanding = producer.outstandingCount
        if !fetchPaused && outstanding > configuration.maxOutstandingLists {
            _ = producer.poll(timeoutMs: 0)
            setPaused(true)
        } else if fetchPaused && outstanding <= configuration.maxOutstandingLists / 2 {
            setPaused(false)
        } else if fetchPaused {
            _ = producer.poll(timeoutMs: 10)
        }
    }

    private func setPaused(_ paused: Bool) {
        let assigned = consumer.assignment()
        do {
            if paused { try consumer.pause(assigned) } else { try consumer.resume(assigned) }
        } catch {
            logger.error("could not \(paused ? "pause" : "resume") fetching: \(error)")
        }
        lock.lock()
        fetchPaused = paused
        lock.unlock()
        metrics.paused.record(paused ? 1 : 0)
        if paused {
            logger.warning("output backlog above \(configuration.maxOutstandingLists) messages: fetching paused (still polling, so the group keeps this member)")
        } else {
            logger.info("output backlog drained: fetching resumed")
        }
    }

    /// Decodes and applies one message, or dead-letters it; returns whether it was applied.
    /// A message of a partition this instance does not own (any more) is not applied.
    private func handle(_ message: borrowing KafkaMessageView) -> Bool {
        let partition = message.partition
        let offset = message.offset
        var rejection: (reason: String, detail: String)?
        lock.lock()
        let p = Int(partition)
        if p >= partitions.count { partitions += Array(repeating: PartitionState(), count: p + 1 - partitions.count) }
        guard partitions[p].assigned || !configuration.useConsumerGroup else {
            lock.unlock()
            return false
        }
        stats.consumed += 1
        do {
            let event = try decoder.decode(message.payload, fallbackTimestampMs: message.timestampMs ?? Self.wallClockMs)
            if configuration.freshLists, engineConfiguration.debounceMs == 0, core.awaitsList(userId: event.user, nowMs: monotonicMs) {
                // Debounce 0: the user's previous event gets its list before this one is applied.
                lock.unlock()
                refresh(force: false, cut: true)
                metrics.refreshCuts.increment()
                lock.lock()
            }
            do {
                try core.apply(event, source: EventSource(partition: partition, offset: offset))
                stats.applied += 1
            } catch {
                rejection = (error.reason, error.description)
            }
        } catch {
            rejection = (error.reason, error.description)
        }
        partitions[p].position = offset + 1
        lock.unlock()
        if let rejection {
            deadLetter(message, reason: rejection.reason, detail: rejection.detail)
            return false
        }
        return true
    }

    private func deadLetter(_ message: borrowing KafkaMessageView, reason: String, detail: String) {
        deadLetter(key: message.key, value: message.payload,
                   source: "\(configuration.inputTopic)/\(message.partition)/\(message.offset)", reason: reason, detail: detail)
    }

    /// Produces a refused message (`source` = topic/partition/offset) to the dead-letter topic
    /// with its reason, counts it and logs it at a bounded rate.
    func deadLetter(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, source: String, reason: String, detail: String) {
        let headers = [
            KafkaHeader(name: "streamrec.reason", value: Array(reason.utf8)),
            KafkaHeader(name: "streamrec.detail", value: Array(detail.utf8)),
            KafkaHeader(name: "streamrec.source", value: Array(source.utf8)),
        ]
        do {
            try producer.produce(topic: configuration.deadLetterTopic, key: key, value: value, headers: headers, tag: deliveryEpoch)
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

    /// Scores the users due for a refresh and hands their new lists to the producer. A refresh
    /// cut into a fetched batch (`cut`) only scores; the round's upkeep waits for the next
    /// regular one.
    func refresh(force: Bool, cut: Bool = false) {
        var lists: [RecommendationList] = []
        let started = clock.now
        lock.lock()
        if !cut { scopeWithdrawals() }
        // A regular refresh leaves a large hybrid ranking to the scorer's background lane and
        // goes back to polling; `collectDeferredLists` publishes its lists when they are ready.
        core.refresh(nowMs: monotonicMs, wallClockMs: Self.wallClockMs, force: force, maintenance: !cut,
                     deferring: !force && !cut) { lists.append($0) }
        let deferred = core.hasDeferredRefresh
        if deferred { stats.deferredRefreshes += 1 }
        lock.unlock()
        // A deferred refresh still running was completed first (its lists are among `lists`).
        deferredRefreshStarted = deferred ? started : nil
        publish(lists, refreshStarted: started)
    }

    /// Publishes the lists of a deferred refresh once the background lane has ranked them (with
    /// `wait`, waits for them: before a round is sealed, so its commit covers them).
    func collectDeferredLists(wait: Bool) {
        guard let started = deferredRefreshStarted else { return }
        var lists: [RecommendationList] = []
        lock.lock()
        core.completeDeferredRefresh(wait: wait) { lists.append($0) }
        let done = !core.hasDeferredRefresh
        lock.unlock()
        guard done else { return }
        deferredRefreshStarted = nil
        publish(lists, refreshStarted: started)
    }

    /// Hands a refresh's lists to the producer and counts them; its time from `refreshStarted`
    /// goes to the refresh histogram.
    private func publish(_ lists: [RecommendationList], refreshStarted started: ContinuousClock.Instant) {
        if !lists.isEmpty { metrics.refreshLatency.recordNanoseconds(Self.nanoseconds(clock.now - started)) }
        for list in lists { publish(list) }
        metrics.listsPublished.increment(by: lists.count)
    }

    private func publish(_ list: RecommendationList) {
        let value = list.jsonBytes()
        do {
            try producer.produce(topic: configuration.outputTopic, key: Array(list.user.utf8), value: value, tag: deliveryEpoch)
            onPublish?(list)
        } catch {
            logger.error("could not publish the list of \(list.user): \(error)")
            lock.lock()
            core.forgetPublishedList(of: list.user)
            lock.unlock()
        }
    }

    private func updateGauges() {
        lock.lock()
        let assigned = partitions.indices.filter { partitions[$0].assigned }
        let positions = partitions.map(\.position)
        metrics.users.record(core.users.count)
        metrics.items.record(core.items.count)
        metrics.onlineHitRate.record(core.metrics.hitRate)
        metrics.onlineNDCG.record(core.metrics.ndcg)
        metrics.recordEvictions(core.evictedUsers)
        metrics.recordSession(core.sessionStatistics)
        metrics.sessionLearning.record(core.sessionLearningStatistics, wallClockMs: Int64(Date().timeIntervalSince1970 * 1000))
        if itemTopic != nil { itemMetrics.record(stats: stats, catalog: core.catalog) }
        if let sharing = core.itemSharing { itemSharingMetrics.record(sharing.statistics, wallClockMs: Self.wallClockMs) }
        metrics.modelBytes.record(core.model.userFactors.allocatedBytes + core.model.itemFactors.allocatedBytes)
        metrics.mfIdleEpochs.record(core.mfIdleEpochs)
        metrics.assignedPartitions.record(assigned.count)
        metrics.appliedOwned.record(assigned.reduce(Int64(0)) { $0 + ($1 < core.appliedByPartition.count ? core.appliedByPartition[$1] : 0) })
        if let last = lastCheckpointWallMs {
            metrics.checkpointAge.record(Double(Self.wallClockMs - last) / 1000)
        }
        lock.unlock()
        var lag: Int64 = 0
        var known = false
        for p in assigned {
            let tp = TopicPartition(topic: configuration.inputTopic, partition: Int32(p))
            guard let marks = consumer.cachedWatermarks(tp) else { continue }
            let position = positions[p] ?? marks.low
            let behind = max(0, marks.high - position)
            metrics.partitionLag(Int32(p)).record(behind)
            lag += behind
            known = true
        }
        metrics.lag.record(known ? lag : -1)
        lock.lock()
        stats.lag = known ? lag : -1
        // More than a poll batch behind: the trainer's duty cycle stops holding it back.
        core.setSessionStreamBehind(known && lag > Int64(configuration.pollBatchSize))
        lock.unlock()
    }

    private func drain() {
        logger.info("draining: publishing pending lists, flushing the producer, checkpointing, committing")
        // The session trainer stops first (a round in progress is cut short at its next batch).
        lock.lock()
        core.stopSessionTraining()
        lock.unlock()
        refresh(force: true)
        if !producer.flush(timeoutMs: configuration.shutdownTimeoutMs) {
            logger.error("producer did not drain within \(configuration.shutdownTimeoutMs) ms; \(producer.outstandingCount) message(s) left")
        }
        checkpointAndCommit()
        if itemSharing != nil, producer.flush(timeoutMs: configuration.shutdownTimeoutMs) {
            itemUpdatesDelivered(upTo: .max)
        }
        itemTopic?.follower.close()
        itemSharing?.follower.close()
        sessionModels?.follower.close()
        consumer.close()
        lock.lock()
        directoryLock = nil
        lock.unlock()
        logger.info("stopped")
    }
}
