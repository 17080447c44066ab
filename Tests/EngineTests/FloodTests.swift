import Engine
import Events
import Foundation
import StreamRecTestKit
import Testing


@Suite("Flood of new ids")
struct FloodTests {
    @Test("1M distinct new users with the cap at 100k: the table stays at the cap, idle users are evicted, memory stops growing")
    func millionNewUsers() throws {
        var config = EngineConfiguration()
        config.maxUsers = 100_000
        config.model.factors = 16
        let core = RecommenderCore(configuration: config)
        var rssAtCap = 0
        var stateAtCap = 0
        for i in 0..<1_000_000 {
            let event = Event(user: "flood-\(i)", item: "i\(i % 1_000)", type: .click, timestampMs: Int64(i))
            try core.apply(event, source: EventSource(partition: 0, offset: Int64(i)))
            if i == 200_000 { rssAtCap = residentBytes(); stateAtCap = core.estimatedStateBytes }
            if i % 50_000 == 0 { core.refresh(nowMs: Int64(i), wallClockMs: 0, force: true) { _ in } }
        }
        let rssAtEnd = residentBytes()
        let stateAtEnd = core.estimatedStateBytes
        print("flood: users held \(core.users.count), evicted \(core.evictedUsers), state \(stateAtCap >> 20) → \(stateAtEnd >> 20) MiB, process RSS at 200k events \(rssAtCap >> 20) MiB, at 1M \(rssAtEnd >> 20) MiB")
        #expect(core.users.count == 100_000)
        #expect(core.evictedUsers >= 900_000)
        #expect(core.appliedEvents == 1_000_000)
        // After the cap is reached, 800k more new users add (almost) nothing to the state. (The
        // process RSS is printed, not asserted: other suites run in the same process.)
        #expect(Double(stateAtEnd) < Double(stateAtCap) * 1.05, "state grew from \(stateAtCap) to \(stateAtEnd) bytes")
        #expect(stateAtEnd < 64 << 20)
        // The newest users are resident, the oldest forgotten.
        #expect(core.users.index(of: "flood-999999") != nil)
        #expect(core.users.index(of: "flood-0") == nil)
    }
}
