import Engine
import Events
import Foundation
import Kafka
import Logging
import Pipeline

/// A consumer group on the mock cluster: the catch-up rate of one member over a backlog with the
/// changelog on and off, then the hand-off of half the partitions to a second member (restore
/// rate, changelog bytes per user, time from revocation to the new owner's first list).
enum BenchGroup {
    struct Result {
        var eventsPerSecondChangelog = 0.0
        var eventsPerSecondNoChangelog = 0.0
        var changelogBytesPerUser = 0.0
        var restoreUsersPerSecond = 0.0
        var restoredUsers = 0
        var handoffSeconds = 0.0
        /// Catch-up of the generated stream (users recurring), changelog on and off.
        var streamEventsPerSecondChangelog = 0.0
        var streamEventsPerSecondNoChangelog = 0.0
    }

    /// Records when something first happened, from any thread.
    final class FirstTime: @unchecked Sendable {
        private let lock = NSLock()
        private var instant: ContinuousClock.Instant?
        func mark() { lock.lock(); if instant == nil { instant = .now }; lock.unlock() }
        var value: ContinuousClock.Instant? { lock.lock(); defer { lock.unlock() }; return instant }
    }

    static func run(users: Int, eventsPerUser: Int, partitions: Int32, engine: EngineConfiguration,
                    stream: [Event], streamEngine: EngineConfiguration, logger: Logger) throws -> Result {
        var result = Result()
        // The generated stream first: its users recur, so a round writes the users that changed
        // since the last one, as in a running deployment.
        for changelogOn in [false, true] {
            let rate = try streamCatchUp(stream, changelogOn: changelogOn, partitions: partitions, engine: streamEngine, logger: logger)
            if changelogOn { result.streamEventsPerSecondChangelog = rate } else { result.streamEventsPerSecondNoChangelog = rate }
        }
        var generator = EventGenerator(configuration: GeneratorConfiguration(users: users, items: 5_000, seed: 9))
        // Every user appears: the first pass is one event each, then the generator's own mix.
        var events: [Event] = (0..<users).map { Event(user: "u\($0)", item: "i\($0 % 5_000)", type: .click, timestampMs: Int64($0)) }
        events += generator.generate(count: users * max(0, eventsPerUser - 1))
        for changelogOn in [false, true] {
            benchLog("group (changelog \(changelogOn ? "on" : "off")): producing \(events.count) events for \(users) users ...")
            let (cluster, producer) = try backlog(events, group: "bench-group", partitions: partitions)
            // The members go within the cluster's lifetime (their clients before the mock cluster).
            try withExtendedLifetime((cluster, producer)) {
                func member() throws -> (StreamPipeline, () -> Void) {
                    try startMember(cluster, group: "bench-group", changelogOn: changelogOn, checkpointIntervalMs: 1_000,
                                    engine: engine, logger: logger)
                }
                let (a, stopA) = try member()
                let firstApplied = FirstTime()
                // Time from the first event applied (after the group join) to the whole backlog.
                let deadline = Date().addingTimeInterval(300)
                while Date() < deadline {
                    let s = a.statsSnapshot()
                    if s.appliedOwned > 0 { firstApplied.mark() }
                    if s.appliedOwned == Int64(events.count) && s.lag == 0 { break }
                    Thread.sleep(forTimeInterval: 0.005)
                }
                let seconds = firstApplied.value.map(secondsSince) ?? .infinity
                let rate = Double(events.count) / seconds
                benchLog(String(format: "  caught up %d events in %.2f s: %.0f events/s", events.count, seconds, rate))
                if !changelogOn {
                    result.eventsPerSecondNoChangelog = rate
                    stopA()
                    return
                }
                result.eventsPerSecondChangelog = rate
                // Let a round write every user, then hand half the partitions to a second member
                // while a trickle of events goes on.
                while a.statsSnapshot().changelogRounds < Int64(partitions) { Thread.sleep(forTimeInterval: 0.05) }
                Thread.sleep(forTimeInterval: 1.5)
                result.changelogBytesPerUser = Double(a.statsSnapshot().changelogBytes) / Double(users)
                let revokedAt = FirstTime()
                a.onRevoke = { _ in revokedAt.mark() }
                let feeding = FirstTime()
                let feeder = Thread {
                    var g = EventGenerator(configuration: GeneratorConfiguration(users: users, items: 5_000, seed: 77))
                    let start = Date()
                    while Date().timeIntervalSince(start) < 25 && feeding.value == nil {
                        for _ in 0..<20 { let e = g.next(); try? producer.produce(topic: "in", key: Array(e.user.utf8), value: EventEncoder.json(e)) }
                        _ = producer.poll(timeoutMs: 0)
                        Thread.sleep(forTimeInterval: 0.01)
                    }
                    _ = producer.flush(timeoutMs: 10_000)
                }
                feeder.start()
                let (b, stopB) = try member()
                let firstList = FirstTime()
                b.onPublish = { _ in firstList.mark() }
                let handoffDeadline = Date().addingTimeInterval(60)
                while firstList.value == nil && Date() < handoffDeadline { Thread.sleep(forTimeInterval: 0.01) }
                feeding.mark()
                if let revoked = revokedAt.value, let listed = firstList.value {
                    result.handoffSeconds = Self.seconds(listed - revoked)
                }
                let sb = b.statsSnapshot()
                result.restoredUsers = sb.restoredUsers
                result.restoreUsersPerSecond = sb.restoreSeconds > 0 ? Double(sb.restoredUsers) / sb.restoreSeconds : 0
                benchLog(String(format: "  hand-off: %d users restored at %.0f users/s; revocation to first list %.2f s; changelog %.0f bytes/user",
                                sb.restoredUsers, result.restoreUsersPerSecond, result.handoffSeconds, result.changelogBytesPerUser))
                stopB()
                stopA()
            }
        }
        return result
    }

    /// One member catching up `events` as a backlog, changelog on or off: events/s from the first
    /// event applied to the last.
    static func streamCatchUp(_ events: [Event], changelogOn: Bool, partitions: Int32, engine: EngineConfiguration,
                              logger: Logger) throws -> Double {
        benchLog("group stream (changelog \(changelogOn ? "on" : "off")): producing \(events.count) generated events ...")
        let (cluster, producer) = try backlog(events, group: "bench-stream", partitions: partitions)
        // The member goes within the cluster's lifetime (its clients before the mock cluster).
        return try withExtendedLifetime((cluster, producer)) {
            try catchUp(events, cluster: cluster, changelogOn: changelogOn, engine: engine, logger: logger)
        }
    }

    /// `streamCatchUp`'s measurement, on a cluster that outlives it.
    private static func catchUp(_ events: [Event], cluster: MockCluster, changelogOn: Bool, engine: EngineConfiguration,
                                logger: Logger) throws -> Double {
        let (pipeline, stop) = try startMember(cluster, group: "bench-stream", changelogOn: changelogOn, checkpointIntervalMs: nil,
                                               engine: engine, logger: logger)
        defer { stop() }
        var first: ContinuousClock.Instant?
        let deadline = Date().addingTimeInterval(300)
        while Date() < deadline {
            let s = pipeline.statsSnapshot()
            if first == nil && s.appliedOwned > 0 { first = .now }
            if s.appliedOwned == Int64(events.count) && s.lag == 0 { break }
            Thread.sleep(forTimeInterval: 0.002)
        }
        let seconds = first.map(secondsSince) ?? .infinity
        let rounds = pipeline.statsSnapshot().changelogRounds
        benchLog(String(format: "  caught up %d events in %.2f s: %.0f events/s (%lld changelog partition rounds)", events.count, seconds,
                        Double(events.count) / seconds, rounds))
        return Double(events.count) / seconds
    }

    /// A mock cluster with the topics of group `group` (input and output on `partitions`), and
    /// `events` produced to its input, keyed by user.
    static func backlog(_ events: [Event], group: String, partitions: Int32) throws -> (MockCluster, KafkaProducer) {
        let cluster = try MockCluster(brokerCount: 1)
        for topic in ["in", "out", "\(group).state"] { try cluster.createTopic(topic, partitions: partitions) }
        for topic in ["dlq", "\(group).item-updates", "\(group).models"] { try cluster.createTopic(topic, partitions: 1) }
        let producer = try KafkaProducer(properties: ["bootstrap.servers": cluster.bootstrapServers, "linger.ms": "20",
                                                      "compression.codec": "lz4", "queue.buffering.max.messages": "1000000",
                                                      "batch.num.messages": "10000"])
        for e in events { try producer.produce(topic: "in", key: Array(e.user.utf8), value: EventEncoder.json(e)) }
        _ = producer.flush(timeoutMs: 60_000)
        return (cluster, producer)
    }

    /// A member of group `group` on `cluster`, running on its own thread; the closure stops it
    /// and waits. `checkpointIntervalMs` nil keeps the default; `configure` changes the rest of
    /// the configuration, `prepare` sees the pipeline before it runs.
    static func startMember(_ cluster: MockCluster, group: String, changelogOn: Bool, checkpointIntervalMs: Int64?,
                            engine: EngineConfiguration, logger: Logger,
                            configure: (inout PipelineConfiguration) -> Void = { _ in },
                            prepare: (StreamPipeline) -> Void = { _ in }) throws -> (StreamPipeline, () -> Void) {
        var c = PipelineConfiguration()
        c.bootstrapServers = cluster.bootstrapServers
        c.groupId = group
        c.inputTopic = "in"
        c.outputTopic = "out"
        c.deadLetterTopic = "dlq"
        c.changelogTopicSetting = changelogOn ? nil : ""
        if let checkpointIntervalMs { c.checkpointIntervalMs = checkpointIntervalMs }
        c.kafkaProperties = ["session.timeout.ms": "6000", "heartbeat.interval.ms": "300"]
        configure(&c)
        let pipeline = try StreamPipeline(configuration: c, engine: engine, logger: logger)
        prepare(pipeline)
        let done = DispatchSemaphore(value: 0)
        // Neither the thread nor the closure keeps the pipeline, so it goes (and its Kafka
        // clients with it) when the caller lets it go, before the mock cluster.
        let thread = Thread { [weak pipeline] in
            if let running = pipeline {
                do { try running.run() } catch { benchLog("pipeline failed: \(error)") }
            }
            done.signal()
        }
        thread.start()
        return (pipeline, { [weak pipeline] in pipeline?.stop(); done.wait() })
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
