import Engine
import Events
import Foundation
import Kafka
import Models
import Pipeline
import StreamRecTestKit
import Testing

/// With a session model configured, a user's session window moves with its partition: on the
/// new owner it equals the old owner's, and so does the list the session model ranks from it.
@Suite("Consumer group: session windows move with their partition", .serialized)
struct GroupSessionHandoffTests {
    @Test("window and session-ranked list on the new owner equal the old owner's")
    func windowsMove() throws {
        let items = 60
        let kafka = try KafkaTestHarness(partitions: 4)
        let c = SessionModelConfiguration(itemCount: items, embeddingDimension: 8, hiddenSize: 8, windowLength: 5,
                                          typeEmbeddingDimension: 0, gapEmbeddingDimension: 0, dropout: 0,
                                          learningRate: 0.02, batchSize: 32, epochs: 1, patience: 1, seed: 5)
        let snapshot = try SessionSnapshot(model: try BiGRUSessionModel(configuration: c),
                                           itemIds: (0..<items).map { "i\($0)" }, fusion: HybridFusion())
        var engine = EngineConfiguration()
        engine.debounceMs = 0
        engine.session.snapshot = snapshot
        // Every user is ranked by the session model alone (not enough events for MF), so the
        // list depends on the window, the seen items and the (shared) session model only.
        engine.minEventsForPersonal = 1_000_000
        func member() throws -> PipelineRunner {
            var configuration = kafka.pipelineConfiguration(group: "session-move")
            configuration.checkpointIntervalMs = 300
            return PipelineRunner(try StreamPipeline(configuration: configuration, engine: engine, logger: quietLogger()))
        }
        var generator = EventGenerator(configuration: GeneratorConfiguration(users: 80, items: items, seed: 31))
        let a = try member()
        for _ in 0..<2_000 { try kafka.send(generator.next()) }
        kafka.flush()
        #expect(a.wait(timeout: 60) { $0.appliedOwned == 2_000 && $0.lag == 0 })

        // What A holds for every user, before anything moves.
        func view(_ pipeline: StreamPipeline, _ user: String) -> (window: [String], list: [String])? {
            pipeline.withCore { core in
                guard let row = core.users.index(of: user) else { return nil }
                let state = core.exportUser(row: row)
                let list = core.currentList(for: user, k: 10, wallClockMs: 0)?.items.map(\.item) ?? []
                return (state.sessionItems, list)
            }
        }
        let users = a.pipeline.withCore { core in core.users.ids.filter { !$0.isEmpty } }
        var before: [String: (window: [String], list: [String])] = [:]
        for user in users { before[user] = view(a.pipeline, user) }
        let empty = before.filter { $0.value.window.isEmpty || $0.value.list.isEmpty }
        #expect(empty.isEmpty, "\(empty.count) users without a window or a list: \(empty.prefix(3).map { ($0.key, $0.value.window.count, $0.value.list.count) })")

        let b = try member()
        #expect(b.wait(timeout: 60) { !$0.assignedPartitions.isEmpty && $0.lag == 0 })
        #expect(a.wait(timeout: 60) { $0.assignedPartitions.count + b.pipeline.statsSnapshot().assignedPartitions.count == 4 })
        let moved = users.filter { b.pipeline.ownership(ofUser: $0).owned }
        #expect(!moved.isEmpty)
        var differing: [String] = []
        for user in moved {
            guard let after = view(b.pipeline, user), let old = before[user] else { differing.append(user); continue }
            if after.window != old.window || after.list != old.list { differing.append(user) }
        }
        #expect(differing.isEmpty, "\(differing.count) of \(moved.count) moved users differ, e.g. \(differing.prefix(3))")
        // The old owner no longer answers for them.
        #expect(moved.allSatisfy { !a.pipeline.ownership(ofUser: $0).owned })
        try b.stop()
        try a.stop()
    }
}
