import Engine
import Events
import Foundation
import Kafka
import Pipeline
import StreamRecTestKit
import Testing

/// Several real pipelines in one consumer group on librdkafka's mock cluster: members join,
/// leave, restart from their checkpoint and get fenced, while events flow. Each test checks,
/// from the engine's own counters in the state the members end with, that every event was
/// applied exactly once, and, from the output topic read by a separate consumer, that no list
/// holds an item its user interacted with at or before the list's `based_on` position.
@Suite("Consumer group: exactly once across rebalances", .serialized)
struct GroupRebalanceTests {
    static let users = 120, items = 150

    /// A member of the group: a pipeline on its own thread.
    final class Member {
        let runner: PipelineRunner
        var pipeline: StreamPipeline { runner.pipeline }
        init(_ kafka: KafkaTestHarness, group: String, stateDir: String? = nil,
             tweak: (inout PipelineConfiguration) -> Void = { _ in }) throws {
            var configuration = kafka.pipelineConfiguration(group: group)
            configuration.stateDirectory = stateDir
            configuration.checkpointIntervalMs = 300
            configuration.checkpointEveryEvents = 1_000
            tweak(&configuration)
            var engine = EngineConfiguration()
            engine.debounceMs = 0
            engine.model.seed = 3
            runner = PipelineRunner(try StreamPipeline(configuration: configuration, engine: engine, logger: quietLogger()))
        }
        var stats: PipelineStats { pipeline.statsSnapshot() }
    }

    func send(_ kafka: KafkaTestHarness, _ generator: inout EventGenerator, count: Int) throws {
        for _ in 0..<count { try kafka.send(generator.next()) }
        kafka.flush()
    }

    /// Waits until the members own every partition between them, each exactly once, and have
    /// applied `total` events between them with no lag.
    @discardableResult
    func settle(_ members: [Member], partitions: Int32, total: Int, timeout: TimeInterval = 60) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let stats = members.map(\.stats)
            let owned = stats.flatMap(\.assignedPartitions).sorted()
            if owned == Array(0..<partitions) && stats.allSatisfy({ $0.lag == 0 })
                && stats.reduce(0, { $0 + $1.appliedOwned }) == Int64(total) {
                return true
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return false
    }

    /// Calls `body` with each user a member holds for a partition it owns now, and its event count.
    func forEachOwnedUser(_ members: [Member], _ body: (String, Int) -> Void) {
        for member in members {
            let owned = Set(member.stats.assignedPartitions)
            member.pipeline.withCore { core in
                for row in 0..<Int32(core.users.count) {
                    let id = core.users.id(at: row)
                    guard !id.isEmpty, let p = core.partition(ofUser: id), owned.contains(p) else { continue }
                    body(id, Int(core.table.eventCount[Int(row)]))
                }
            }
        }
    }

    func checkOutput(_ kafka: KafkaTestHarness, members: [Member], total: Int) throws {
        let audit = try GroupAudit(kafka)
        #expect(audit.delivered.count == total)
        let lists = try kafka.readAll(kafka.output, partitions: kafka.partitions).compactMap(\.list)
        #expect(!lists.isEmpty)
        let violations = audit.seenItemViolations(lists)
        #expect(violations.isEmpty, "\(violations.count) lists hold seen items: \(violations.prefix(5))")
        // Every user is held by exactly one running member, with exactly the events the input
        // holds for them (its state moved with its partition).
        let expected = audit.eventsPerUser
        var wrong: [String] = []
        var owners: [String: Int] = [:]
        forEachOwnedUser(members) { id, events in
            owners[id, default: 0] += 1
            if events != expected[id] { wrong.append(id) }
        }
        #expect(wrong.isEmpty, "\(wrong.count) users hold another history than the input's: \(wrong.prefix(5))")
        #expect(owners.count == expected.count)
        #expect(owners.values.allSatisfy { $0 == 1 })
    }

    @Test("a member joining: the new owner continues its partitions' users where the old one left them")
    func memberJoins() throws {
        let kafka = try KafkaTestHarness(partitions: 4)
        var generator = EventGenerator(configuration: GeneratorConfiguration(users: Self.users, items: Self.items, seed: 21))
        let a = try Member(kafka, group: "join")
        try send(kafka, &generator, count: 3_000)
        #expect(settle([a], partitions: 4, total: 3_000))
        let b = try Member(kafka, group: "join")
        try send(kafka, &generator, count: 3_000)
        #expect(settle([a, b], partitions: 4, total: 6_000))
        #expect(!a.stats.assignedPartitions.isEmpty && !b.stats.assignedPartitions.isEmpty)
        #expect(b.stats.restoredPartitions >= 1 && b.stats.restoredUsers > 0)
        // The member that keeps partitions takes its own state of them up again (its revocation
        // commit may be refused while the group rebalances): it restores nothing.
        #expect(a.stats.restoredPartitions == 0)
        try checkOutput(kafka, members: [a, b], total: 6_000)
        try b.runner.stop()
        try a.runner.stop()
    }

    @Test("a member leaving: its partitions and their users move to the one that stays")
    func memberLeaves() throws {
        let kafka = try KafkaTestHarness(partitions: 4)
        var generator = EventGenerator(configuration: GeneratorConfiguration(users: Self.users, items: Self.items, seed: 22))
        let a = try Member(kafka, group: "leave")
        let b = try Member(kafka, group: "leave")
        try send(kafka, &generator, count: 3_000)
        #expect(settle([a, b], partitions: 4, total: 3_000))
        try b.runner.stop()
        try send(kafka, &generator, count: 3_000)
        #expect(settle([a], partitions: 4, total: 6_000, timeout: 90))
        try checkOutput(kafka, members: [a], total: 6_000)
        try a.runner.stop()
    }

    @Test("restart from the checkpoint followed by a rebalance: nothing is applied twice")
    func restartThenRebalance() throws {
        let kafka = try KafkaTestHarness(partitions: 4)
        let dirA = NSTemporaryDirectory() + "group-restart-a-\(UUID().uuidString)"
        let dirB = NSTemporaryDirectory() + "group-restart-b-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dirA); try? FileManager.default.removeItem(atPath: dirB) }
        var generator = EventGenerator(configuration: GeneratorConfiguration(users: Self.users, items: Self.items, seed: 23))
        var a = try Member(kafka, group: "restart", stateDir: dirA)
        try send(kafka, &generator, count: 2_000)
        #expect(settle([a], partitions: 4, total: 2_000))
        try a.runner.stop()
        // A comes back from its checkpoint; then B joins; then A's partitions move again.
        a = try Member(kafka, group: "restart", stateDir: dirA)
        #expect(a.pipeline.restoredCheckpoint != nil)
        try send(kafka, &generator, count: 2_000)
        #expect(settle([a], partitions: 4, total: 4_000, timeout: 90))
        let b = try Member(kafka, group: "restart", stateDir: dirB)
        try send(kafka, &generator, count: 2_000)
        #expect(settle([a, b], partitions: 4, total: 6_000, timeout: 90))
        try checkOutput(kafka, members: [a, b], total: 6_000)
        try b.runner.stop()
        try send(kafka, &generator, count: 1_000)
        #expect(settle([a], partitions: 4, total: 7_000, timeout: 90))
        try checkOutput(kafka, members: [a], total: 7_000)
        try a.runner.stop()
    }

    @Test("three members: join one by one, then one leaves; every event applied once")
    func threeMembers() throws {
        let kafka = try KafkaTestHarness(partitions: 6)
        var generator = EventGenerator(configuration: GeneratorConfiguration(users: Self.users, items: Self.items, seed: 24))
        let a = try Member(kafka, group: "three")
        try send(kafka, &generator, count: 2_000)
        #expect(settle([a], partitions: 6, total: 2_000))
        let b = try Member(kafka, group: "three")
        try send(kafka, &generator, count: 2_000)
        #expect(settle([a, b], partitions: 6, total: 4_000))
        let c = try Member(kafka, group: "three")
        try send(kafka, &generator, count: 2_000)
        #expect(settle([a, b, c], partitions: 6, total: 6_000))
        #expect([a, b, c].allSatisfy { !$0.stats.assignedPartitions.isEmpty })
        try checkOutput(kafka, members: [a, b, c], total: 6_000)
        try a.runner.stop()
        try send(kafka, &generator, count: 2_000)
        #expect(settle([b, c], partitions: 6, total: 8_000, timeout: 90))
        try checkOutput(kafka, members: [b, c], total: 8_000)
        try b.runner.stop()
        try c.runner.stop()
    }

    @Test("a member fenced for exceeding max.poll.interval.ms: its late work is not committed and not used again")
    func fencedMember() throws {
        let kafka = try KafkaTestHarness(partitions: 4)
        var generator = EventGenerator(configuration: GeneratorConfiguration(users: Self.users, items: Self.items, seed: 25))
        let stall = StallSwitch()
        let a = try Member(kafka, group: "fenced") { c in
            c.kafkaProperties["max.poll.interval.ms"] = "7000"
        }
        a.pipeline.onPublish = { _ in stall.waitIfArmed() }
        let b = try Member(kafka, group: "fenced") { c in
            c.kafkaProperties["max.poll.interval.ms"] = "7000"
        }
        try send(kafka, &generator, count: 2_000)
        #expect(settle([a, b], partitions: 4, total: 2_000))
        // A's loop stalls past max.poll.interval.ms while it holds unpublished work.
        stall.arm(seconds: 10)
        try send(kafka, &generator, count: 2_000)
        // B takes every partition while A is out; then A comes back and the group splits again.
        #expect(settle([b], partitions: 4, total: 4_000, timeout: 60) || settle([a, b], partitions: 4, total: 4_000, timeout: 60))
        try send(kafka, &generator, count: 1_000)
        #expect(settle([a, b], partitions: 4, total: 5_000, timeout: 90))
        try checkOutput(kafka, members: [a, b], total: 5_000)
        try b.runner.stop()
        try a.runner.stop()
    }

    @Test("a second process on the same state directory is refused with a clear error")
    func stateDirectoryLock() throws {
        let kafka = try KafkaTestHarness(partitions: 1)
        let dir = NSTemporaryDirectory() + "group-lock-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var configuration = kafka.pipelineConfiguration(group: "lock")
        configuration.stateDirectory = dir
        let first = try StreamPipeline(configuration: configuration, engine: EngineConfiguration(), logger: quietLogger())
        #expect(throws: PipelineError.self) {
            _ = try StreamPipeline(configuration: configuration, engine: EngineConfiguration(), logger: quietLogger())
        }
        do {
            _ = try StreamPipeline(configuration: configuration, engine: EngineConfiguration(), logger: quietLogger())
        } catch {
            #expect("\(error)".contains("is in use by another process"))
        }
        _ = first
    }
}

/// Makes the next call of `waitIfArmed` sleep once (a stalled pipeline loop).
final class StallSwitch: @unchecked Sendable {
    private let lock = NSLock()
    private var seconds: Double = 0
    func arm(seconds: Double) { lock.lock(); self.seconds = seconds; lock.unlock() }
    func waitIfArmed() {
        lock.lock()
        let s = seconds
        seconds = 0
        lock.unlock()
        if s > 0 { Thread.sleep(forTimeInterval: s) }
    }
}
