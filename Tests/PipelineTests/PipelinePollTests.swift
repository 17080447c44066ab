import StreamRecTestKit
import Engine
import Events
import Foundation
import Testing
import Pipeline

@Suite("Pipeline loop pacing", .serialized)
struct PipelinePollTests {
    @Test("a user waiting for a refresh is not held back by a long poll on a quiet topic")
    func dirtyUserCutsThePollShort() throws {
        let kafka = try KafkaTestHarness(partitions: 1)
        var configuration = kafka.pipelineConfiguration(useGroup: false)
        // A poll that would wait 20 s, a refresh due 3 s after the last one: the event arrives
        // (well) inside the refresh interval, so only a shortened poll publishes its list in time.
        configuration.pollTimeoutMs = 20_000
        configuration.refreshIntervalMs = 3_000
        // Interval refreshes only (no list before a user's next event): the wait is what is tested.
        configuration.freshLists = false
        var engine = EngineConfiguration()
        engine.debounceMs = 0
        let pipeline = try StreamPipeline(configuration: configuration, engine: engine, logger: quietLogger())
        let runner = PipelineRunner(pipeline)
        #expect(runner.wait(timeout: 30) { $0.assigned })
        // Two users over five items: each list has unseen items to offer.
        for i in 0..<5 {
            try kafka.send(Event(user: "u\(i % 2)", item: "i\(i)", type: .click, timestampMs: 1_700_000_000_000 + Int64(i)))
        }
        kafka.flush()
        let applied = runner.wait(timeout: 30) { $0.applied == 5 }
        let published = runner.wait(timeout: 12) { $0.listsPublished == 2 }
        // Wake the loop so that stop does not wait out a quiet 20 s poll.
        pipeline.stop()
        try kafka.send(Event(user: "u2", item: "i1", type: .click, timestampMs: 1_700_000_000_010))
        kafka.flush()
        try runner.stop()
        #expect(applied)
        #expect(published, "the list waited for the poll timeout instead of the refresh interval")
    }
}
