import Engine
import Events
import Foundation
import Kafka
import Pipeline
import StreamRecTestKit
import Testing

/// The MF passes over the seen items on a quiet stream (`model.idle_epochs`) in a consumer group
/// of real pipelines on the mock cluster: what a member's passes taught its users moves with them.
@Suite("Consumer group: MF passes on a quiet stream", .serialized)
struct GroupIdlePassTests {
    static func member(_ kafka: KafkaTestHarness, group: String) throws -> PipelineRunner {
        var configuration = kafka.pipelineConfiguration(group: group)
        configuration.checkpointIntervalMs = 300
        configuration.checkpointEveryEvents = 1_000
        var engine = EngineConfiguration()
        engine.debounceMs = 0
        engine.model.seed = 3
        engine.idleEpochs = 3
        return PipelineRunner(try StreamPipeline(configuration: configuration, engine: engine, logger: quietLogger()))
    }

    /// The factors, bias and counts of every user `runner` holds for a partition it owns, by id.
    static func ownedUsers(_ runner: PipelineRunner) -> [String: PartitionUserState] {
        let owned = Set(runner.pipeline.statsSnapshot().assignedPartitions)
        return runner.pipeline.withCore { core in
            var out: [String: PartitionUserState] = [:]
            for row in 0..<Int32(core.users.count) {
                let id = core.users.id(at: row)
                guard !id.isEmpty, let p = core.partition(ofUser: id), owned.contains(p) else { continue }
                out[id] = core.exportUser(row: row)
            }
            return out
        }
    }

    @Test("a member that leaves after its passes hands its users over with the factors the passes gave them")
    func passesMoveWithTheUsers() throws {
        let kafka = try KafkaTestHarness(partitions: 4)
        var generator = EventGenerator(configuration: GeneratorConfiguration(users: 120, items: 150, seed: 23))
        let a = try Self.member(kafka, group: "passes")
        let b = try Self.member(kafka, group: "passes")
        for _ in 0..<3_000 { try kafka.send(generator.next()) }
        kafka.flush()
        #expect(a.wait(timeout: 60) { _ in
            let (sa, sb) = (a.pipeline.statsSnapshot(), b.pipeline.statsSnapshot())
            return sa.appliedOwned + sb.appliedOwned == 3_000 && !sa.assignedPartitions.isEmpty && !sb.assignedPartitions.isEmpty
        })
        // The stream is quiet: each member takes its three passes, over its own users.
        let passes = { (r: PipelineRunner) in r.pipeline.withCore { $0.mfIdleEpochs } }
        #expect(a.wait(timeout: 30) { _ in passes(a) == 3 && passes(b) == 3 })
        let leaving = Self.ownedUsers(b)
        #expect(!leaving.isEmpty)
        let appliedBefore = a.pipeline.statsSnapshot().appliedTotal

        // b leaves cleanly; a restores b's partitions from the changelog.
        try b.stop()
        #expect(a.wait(timeout: 90) { $0.assignedPartitions.count == 4 && $0.restoredUsers >= leaving.count })
        let restored = Self.ownedUsers(a)
        var differing: [String] = []
        for (id, state) in leaving {
            guard let now = restored[id] else { differing.append(id); continue }
            if now.factors != state.factors || now.bias != state.bias || now.eventCount != state.eventCount { differing.append(id) }
        }
        #expect(differing.isEmpty, "\(differing.count) of \(leaving.count) users arrived without their passes' factors: \(differing.prefix(5))")
        // No new events: nothing applied again, and a's own budget is not renewed by the move,
        // also once the stream has been quiet again for longer than the passes wait for.
        #expect(a.pipeline.statsSnapshot().appliedTotal == appliedBefore)
        Thread.sleep(forTimeInterval: 2 * Double(SessionLearningConfiguration.quietMs) / 1000 + 0.5)
        #expect(passes(a) == 3)
        #expect(a.pipeline.statsSnapshot().appliedTotal == appliedBefore)
        try a.stop()
    }
}
