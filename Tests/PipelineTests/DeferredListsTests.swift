import Engine
import Events
import Foundation
import Models
import Pipeline
import StreamRecTestKit
import Testing

/// The pipeline leaves its hybrid rankings to the scorer's background lane and goes on applying
/// events: every list still goes out, in order, and the offsets committed cover them.
@Suite("Deferred lists through the mock cluster", .serialized)
struct DeferredListsTests {
    static let users = 150, items = 200, rounds = 8

    @Test("with rankings on the background lane, every user's last list is based on their last event, lists go out in event order, and a restart has nothing left to publish")
    func everyListGoesOutInOrder() throws {
        let kafka = try KafkaTestHarness(partitions: 1)
        let c = SessionModelConfiguration(itemCount: Self.items, embeddingDimension: 12, hiddenSize: 8, windowLength: 6,
                                          backwardSteps: 3, seed: 4)
        var engine = EngineConfiguration()
        engine.debounceMs = 0
        engine.session.snapshot = try SessionSnapshot(model: try BiGRUSessionModel(configuration: c),
                                                      itemIds: (0..<Self.items).map { "i\($0)" },
                                                      fusion: HybridFusion(mfWeight: 0.5, sessionWeight: 0.5))
        engine.session.learning.enabled = false
        var configuration = kafka.pipelineConfiguration(useGroup: true)
        configuration.refreshIntervalMs = 20
        configuration.freshLists = false
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("deferred-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: state) }
        configuration.stateDirectory = state.path

        let runner = PipelineRunner(try StreamPipeline(configuration: configuration, engine: engine, logger: quietLogger()))
        #expect(runner.wait(timeout: 30) { $0.assigned })
        var lastOffset: [String: Int] = [:]
        var offset = 0
        let t0: Int64 = 1_700_000_000_000
        for round in 0..<Self.rounds {
            for u in 0..<Self.users {
                let item = (u * 7 + round * 13) % Self.items
                try kafka.send(Event(user: "u\(u)", item: "i\(item)", type: .click, timestampMs: t0 + Int64(offset)))
                lastOffset["u\(u)"] = offset
                offset += 1
            }
            kafka.flush()
            #expect(runner.wait(timeout: 30) { $0.applied == Int64(offset) })
            Thread.sleep(forTimeInterval: 0.1)
        }
        let before = runner.pipeline.statsSnapshot()
        try runner.stop()
        #expect(before.deferredRefreshes > 0, "the rankings ran on the background lane")

        let records = try kafka.readAll(kafka.output, partitions: 1)
        let lists = records.compactMap(\.list)
        #expect(lists.count == records.count)
        var seen: [String: Int] = [:]
        for list in lists {
            // The session model alone until a user has the events MF needs, then the fusion.
            #expect(list.model == "hybrid" || (list.model == "session" && list.version <= 2 * Self.users),
                    "\(list.user): \(list.model) at version \(list.version)")
            // Each user's lists go out in the order of the events they are based on.
            if let previous = seen[list.user] { #expect(list.basedOnOffset > previous, "\(list.user): \(list.basedOnOffset) after \(previous)") }
            seen[list.user] = list.basedOnOffset
        }
        #expect(seen.count == Self.users)
        for (user, last) in lastOffset { #expect(seen[user] == last, "\(user)'s last list is based on offset \(seen[user] ?? -1), its last event is \(last)") }

        // A restart from the same state and group: nothing was left due, so nothing is published.
        let again = PipelineRunner(try StreamPipeline(configuration: configuration, engine: engine, logger: quietLogger()))
        #expect(again.wait(timeout: 30) { $0.assigned })
        Thread.sleep(forTimeInterval: 0.5)
        let restarted = again.pipeline.statsSnapshot()
        try again.stop()
        #expect(restarted.applied == 0)
        #expect(try kafka.readAll(kafka.output, partitions: 1).count == records.count)
    }
}
