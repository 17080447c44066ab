import Engine
import Events
import Foundation
import Kafka
import Logging
import Pipeline

/// Item-state sharing in a consumer group on the mock cluster, over a replay (MovieLens-1M
/// ratings in time order when the file is there, else the generator) sent at a fixed rate:
///
/// * parity: the online HR@10 / NDCG@10 of groups of 1, 2 and 3 members (every event scored
///   against the list its user was last published, by whichever member owned it);
/// * hand-off: a group of 2 in which one member leaves half-way and a new one joins; the events
///   of the partitions that changed owner, after the change, against the same events in the run
///   where nothing moved (with sharing on, and again with it off);
/// * cost: item-update messages and bytes per 100,000 input events, and the catch-up rate of a
///   group of 2 over the replay's first 200,000 events as a backlog, sharing on and off.
enum BenchSharing {
    /// Outcome of each scored event: (partition << 40 | offset) → (member, rank or −1).
    final class Outcomes: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var byEvent: [Int64: (member: Int, rank: Int)] = [:]
        func record(member: Int, source: EventSource, rank: Int?) {
            lock.lock()
            byEvent[Int64(source.partition) << 40 | source.offset] = (member, rank ?? -1)
            lock.unlock()
        }
        var snapshot: [Int64: (member: Int, rank: Int)] { lock.lock(); defer { lock.unlock() }; return byEvent }
    }

    /// HR@10 and NDCG@10 over `keys` of `outcomes` (events not scored there are left out).
    static func quality(_ outcomes: [Int64: (member: Int, rank: Int)], keys: some Sequence<Int64>) -> (hr: Double, ndcg: Double, n: Int) {
        var n = 0, hits = 0
        var ndcg = 0.0
        for key in keys {
            guard let o = outcomes[key] else { continue }
            n += 1
            if o.rank >= 0 && o.rank < 10 {
                hits += 1
                ndcg += 1 / log2(Double(o.rank) + 2)
            }
        }
        return (n == 0 ? 0 : Double(hits) / Double(n), n == 0 ? 0 : ndcg / Double(n), n)
    }

    struct Run {
        var outcomes: [Int64: (member: Int, rank: Int)] = [:]
        var messages: Int64 = 0
        var bytes: Int64 = 0
        var seconds = 0.0
        var events = 0
    }

    /// One replay: `members` start (sharing on or off); with `move`, the second member leaves
    /// when half the events are sent and a new one joins. `rate` 0 sends a backlog first and
    /// times the catch-up instead.
    static func replay(_ events: [Event], members count: Int, partitions: Int32, rate: Int, move: Bool, sharing: Bool,
                       engine: EngineConfiguration, logger: Logger) throws -> Run {
        let cluster = try MockCluster(brokerCount: 1)
        return try withExtendedLifetime(cluster) {
            let group = "bench-share"
            for topic in ["in", "out"] { try cluster.createTopic(topic, partitions: partitions) }
            try cluster.createTopic("dlq", partitions: 1)
            try cluster.createTopic("\(group).state", partitions: partitions)
            // The mock keeps about 5 MiB per partition: 16 keep the whole item-update log for
            // the member that joins half-way (one kept about the last 5 MiB of it).
            try cluster.createTopic("\(group).item-updates", partitions: 16)
            try cluster.createTopic("\(group).models", partitions: 1)
            let producer = try KafkaProducer(properties: ["bootstrap.servers": cluster.bootstrapServers, "linger.ms": "5",
                                                          "queue.buffering.max.messages": "1000000", "batch.num.messages": "10000"])
            let outcomes = Outcomes()
            var runners: [(StreamPipeline, () -> Void)] = []
            var stopped: Set<Int> = []
            func start(_ index: Int) throws {
                runners.append(try BenchGroup.startMember(
                    cluster, group: group, changelogOn: true, checkpointIntervalMs: 1_000, engine: engine, logger: logger,
                    configure: { $0.itemUpdatesTopicSetting = sharing ? nil : "" },
                    prepare: { p in p.withCore { $0.onScored = { source, rank in outcomes.record(member: index, source: source, rank: rank) } } }))
            }
            func stop(_ index: Int) {
                runners[index].1()
                stopped.insert(index)
            }
            func live() -> [StreamPipeline] { runners.indices.filter { !stopped.contains($0) }.map { runners[$0].0 } }
            func owned() -> Int { live().reduce(0) { $0 + $1.statsSnapshot().assignedPartitions.count } }
            func send(_ e: Event) throws { try producer.produce(topic: "in", key: Array(e.user.utf8), value: EventEncoder.json(e)) }

            if rate == 0 {
                for e in events { try send(e) }
                _ = producer.flush(timeoutMs: 60_000)
            }
            for i in 0..<count { try start(i) }
            var deadline = Date().addingTimeInterval(60)
            while owned() < Int(partitions) || live().count > 1 && live().contains(where: { $0.statsSnapshot().assignedPartitions.isEmpty }) {
                guard Date() < deadline else { throw PipelineError("the group did not settle within 60 s") }
                Thread.sleep(forTimeInterval: 0.05)
            }
            let started = ContinuousClock.now
            if rate > 0 {
                let half = events.count / 2
                for (i, e) in events.enumerated() {
                    if move && i == half {
                        _ = producer.flush(timeoutMs: 10_000)
                        stop(1)
                        try start(count)
                    }
                    let due = Double(i) / Double(rate)
                    let now = secondsSince(started)
                    if due > now { Thread.sleep(forTimeInterval: due - now) }
                    try send(e)
                    if i % 1_000 == 0 { _ = producer.poll(timeoutMs: 0) }
                }
                _ = producer.flush(timeoutMs: 60_000)
            }
            // A backlog is timed from the first event applied after the group settled.
            var firstApplied: ContinuousClock.Instant?
            var appliedAtStart: Int64 = 0
            if rate == 0 { appliedAtStart = live().reduce(Int64(0)) { $0 + $1.statsSnapshot().appliedOwned } }
            deadline = Date().addingTimeInterval(300)
            while Date() < deadline {
                let stats = live().map { $0.statsSnapshot() }
                let applied = stats.reduce(Int64(0)) { $0 + $1.appliedOwned }
                if firstApplied == nil && applied > appliedAtStart { firstApplied = .now }
                if applied == Int64(events.count) && stats.allSatisfy({ $0.lag == 0 }) { break }
                Thread.sleep(forTimeInterval: 0.005)
            }
            let applied = live().reduce(Int64(0)) { $0 + $1.statsSnapshot().appliedOwned }
            guard applied == Int64(events.count) else {
                for i in runners.indices where !stopped.contains(i) { stop(i) }
                throw PipelineError("the group applied \(applied) of \(events.count) events in 300 s: the mock cluster keeps about 5 MiB per partition, so events a lagging group has not read yet are lost; try more --sharing-partitions or a lower --sharing-rate")
            }
            var run = Run()
            run.seconds = rate == 0 ? secondsSince(firstApplied ?? started) : secondsSince(started)
            run.events = rate == 0 ? events.count - Int(appliedAtStart) : events.count
            for (i, r) in runners.enumerated() {
                if let s = r.0.statsSnapshot().itemSharing {
                    run.messages += s.batchesSent
                    run.bytes += s.bytesSent
                }
                if !stopped.contains(i) { stop(i) }
            }
            run.outcomes = outcomes.snapshot
            return run
        }
    }

    /// The events of partitions that changed owner, from the first one the later owner applied.
    static func movedKeys(_ outcomes: [Int64: (member: Int, rank: Int)]) -> [Int64] {
        var byPartition: [Int64: [(Int64, Int)]] = [:]
        for (key, o) in outcomes { byPartition[key >> 40, default: []].append((key & ((1 << 40) - 1), o.member)) }
        var keys: [Int64] = []
        for (p, list) in byPartition {
            let sorted = list.sorted { $0.0 < $1.0 }
            guard let first = sorted.first?.1, let moveAt = sorted.firstIndex(where: { $0.1 != first }) else { continue }
            keys += sorted[moveAt...].map { p << 40 | $0.0 }
        }
        return keys
    }

    /// The replay's events: MovieLens-1M `ratings.dat` (gzip allowed) in time order, or
    /// `fallback` when the file is absent.
    static func events(path: String, limit: Int, fallback: () -> [Event]) throws -> (events: [Event], source: String) {
        guard FileManager.default.fileExists(atPath: path) else { return (fallback(), "generated") }
        var file = path
        if path.hasSuffix(".gz") {
            file = NSTemporaryDirectory() + "streamrec-bench-\(getpid())-ratings.dat"
            let gunzip = Process()
            gunzip.executableURL = URL(fileURLWithPath: "/bin/sh")
            gunzip.arguments = ["-c", "gzip -dc '\(path)' > '\(file)'"]
            try gunzip.run()
            gunzip.waitUntilExit()
            guard gunzip.terminationStatus == 0 else { throw PipelineError("could not decompress \(path)") }
        }
        defer { if file != path { try? FileManager.default.removeItem(atPath: file) } }
        var events = try InteractionFileReader.read(path: file)
        events.sort { $0.timestampMs < $1.timestampMs }
        if limit > 0 && events.count > limit { events.removeLast(events.count - limit) }
        return (events, path)
    }

    /// All the runs, into `report`.
    static func run(events: [Event], source: String, partitions: Int32, rate: Int, engine: EngineConfiguration,
                    logger: Logger, report: inout BenchReport) throws {
        var quality: [Int: (hr: Double, ndcg: Double)] = [:]
        var still = Run()
        for members in [1, 2, 3] {
            benchLog("sharing: \(events.count) events at \(rate)/s, group of \(members) ...")
            let r = try replay(events, members: members, partitions: partitions, rate: rate, move: false, sharing: true, engine: engine, logger: logger)
            let q = Self.quality(r.outcomes, keys: r.outcomes.keys)
            quality[members] = (q.hr, q.ndcg)
            report.set("sharing_group\(members)_hr_at_10", q.hr)
            report.set("sharing_group\(members)_ndcg_at_10", q.ndcg)
            benchLog(String(format: "  online HR@10 %.4f, NDCG@10 %.4f over %d scored events; %lld update messages, %lld bytes",
                            q.hr, q.ndcg, q.n, r.messages, r.bytes))
            if members == 2 {
                still = r
                report.set("sharing_messages_per_100k_events", Double(r.messages) * 100_000 / Double(r.events))
                report.set("sharing_bytes_per_100k_events", Double(r.bytes) * 100_000 / Double(r.events))
            }
        }
        if let one = quality[1], one.hr > 0 {
            for members in [2, 3] {
                report.set("sharing_group\(members)_vs_one_hr", quality[members]!.hr / one.hr)
                report.set("sharing_group\(members)_vs_one_ndcg", quality[members]!.ndcg / one.ndcg)
            }
        }
        for sharing in [true, false] {
            let label = sharing ? "on" : "off"
            benchLog("sharing \(label): group of 2, one member leaves half-way and a new one joins ...")
            let moved = try replay(events, members: 2, partitions: partitions, rate: rate, move: true, sharing: sharing, engine: engine, logger: logger)
            let keys = movedKeys(moved.outcomes)
            let after = Self.quality(moved.outcomes, keys: keys)
            let reference = Self.quality(still.outcomes, keys: keys)
            report.set("sharing_\(label)_handoff_hr_at_10", after.hr)
            report.set("sharing_\(label)_handoff_ndcg_at_10", after.ndcg)
            report.set("sharing_handoff_reference_hr_at_10", reference.hr)
            report.set("sharing_handoff_reference_ndcg_at_10", reference.ndcg)
            report.set("sharing_\(label)_handoff_vs_still_hr", reference.hr > 0 ? after.hr / reference.hr : 0)
            report.set("sharing_\(label)_handoff_vs_still_ndcg", reference.ndcg > 0 ? after.ndcg / reference.ndcg : 0)
            benchLog(String(format: "  %d moved events: HR@10 %.4f vs %.4f where nothing moved (%.2fx), NDCG@10 %.4f vs %.4f (%.2fx)",
                            after.n, after.hr, reference.hr, reference.hr > 0 ? after.hr / reference.hr : 0,
                            after.ndcg, reference.ndcg, reference.ndcg > 0 ? after.ndcg / reference.ndcg : 0))
        }
        // The mock keeps about 5 MiB per partition: a backlog of at most 200,000 events on 16
        // partitions stays whole.
        let backlog = Array(events.prefix(200_000))
        for sharing in [true, false] {
            benchLog("sharing \(sharing ? "on" : "off"): group of 2 catching up \(backlog.count) events as a backlog (16 partitions) ...")
            let r = try replay(backlog, members: 2, partitions: 16, rate: 0, move: false, sharing: sharing, engine: engine, logger: logger)
            let rate = Double(r.events) / r.seconds
            report.set("sharing_\(sharing ? "on" : "off")_catch_up_events_per_s", rate)
            benchLog(String(format: "  %.0f events/s", rate))
        }
        report.note("sharing: \(source), \(events.count) events, \(partitions) partitions, sent at \(rate) events/s with debounce 0 (catch-up: its first 200,000 events as a backlog on 16 partitions); online metrics count every event scored against its user's last list, by whichever member owned it; hand-off: events of the partitions that changed owner, from the first the later owner applied, against the same events in the group of 2 where nothing moved")
    }
}
