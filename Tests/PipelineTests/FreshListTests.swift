import StreamRecTestKit
import Engine
import Events
import Foundation
import Testing
import Pipeline

/// With `engine.debounce_ms` 0 a user's list reflects every earlier event of theirs, even when a
/// burst of their events arrives in one fetch (`engine.fresh_lists`).
@Suite("Fresh lists at debounce 0", .serialized)
struct FreshListTests {
    /// Items rated by the warm-up user; the bursting user then rates the first `burst` of them.
    static let itemCount = 12
    static let burst = 6

    /// Produces the warm-up user's events on every item, then the burst, all before the pipeline
    /// starts (so one fetch holds them), runs it with a refresh interval longer than the test,
    /// stops it (the drain publishes what is left) and returns the bursting user's lists.
    private func burstLists(fresh: Bool) throws -> [ParsedList] {
        let kafka = try KafkaTestHarness(partitions: 1)
        let t0: Int64 = 1_700_000_000_000
        for i in 0..<Self.itemCount {
            try kafka.send(Event(user: "warm", item: "i\(i)", type: .click, timestampMs: t0 + Int64(i)))
        }
        for i in 0..<Self.burst {
            try kafka.send(Event(user: "u", item: "i\(i)", type: .click, timestampMs: t0 + 100 + Int64(i)))
        }
        kafka.flush()
        var configuration = kafka.pipelineConfiguration(useGroup: false)
        configuration.refreshIntervalMs = 600_000
        configuration.freshLists = fresh
        var engine = EngineConfiguration()
        engine.debounceMs = 0
        // Lists longer than the catalog: each list is every item the user has not seen.
        engine.topK = 20
        let pipeline = try StreamPipeline(configuration: configuration, engine: engine, logger: quietLogger())
        let runner = PipelineRunner(pipeline)
        #expect(runner.wait(timeout: 30) { $0.applied == Self.itemCount + Self.burst })
        try runner.stop()
        return try kafka.readAll(kafka.output, partitions: 1).compactMap(\.list).filter { $0.user == "u" }
    }

    @Test("each event of a burst in one fetch gets its own list before the next is applied")
    func burstGetsOneListPerEvent() throws {
        let lists = try burstLists(fresh: true)
        let first = Self.itemCount
        // The list after the burst's k-th event (offset first + k): published before event k + 1
        // was applied (the last one by the drain), holding every item not yet seen.
        #expect(lists.map(\.basedOnOffset) == Array(first..<(first + Self.burst)))
        for (k, list) in lists.enumerated() {
            #expect(Set(list.items) == Set(((k + 1)..<Self.itemCount).map { "i\($0)" }), "list \(k): \(list.items)")
        }
    }

    @Test("with fresh_lists off, a burst in one fetch gets one list")
    func burstGetsOneListWhenOff() throws {
        let lists = try burstLists(fresh: false)
        #expect(lists.map(\.basedOnOffset) == [Self.itemCount + Self.burst - 1])
        #expect(Set(lists.first?.items ?? []) == Set((Self.burst..<Self.itemCount).map { "i\($0)" }))
    }
}
