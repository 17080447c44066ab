import Engine
import Events
import StreamRecTestKit
import Foundation
import Linalg
import Models
import Testing

@Suite("Recommender core without Kafka")
struct RecommenderCoreTests {
    func lists(_ core: RecommenderCore) -> [String: [String]] {
        var out: [String: [String]] = [:]
        core.refresh(nowMs: 0, wallClockMs: 0, force: true) { out[$0.user] = $0.items.map(\.item) }
        return out
    }

    @Test("planted taste groups: lists come from the user's own group")
    func plantedGroups() throws {
        let stream = PlantedStream()
        let core = RecommenderCore(configuration: EngineConfiguration())
        for (i, event) in stream.events.enumerated() {
            try core.apply(event, source: EventSource(partition: 0, offset: Int64(i)))
        }
        let latest = lists(core)
        var own = 0, total = 0
        for (user, items) in latest where user != "probe" {
            let prefix = stream.groupOf[user] == 0 ? "a" : "b"
            own += items.filter { $0.hasPrefix(prefix) }.count
            total += items.count
            #expect(Set(items).isDisjoint(with: stream.seen[user] ?? []))
        }
        let probe = try #require(latest["probe"])
        print("own-group share \(Double(own) / Double(total)), probe \(probe)")
        #expect(Double(own) / Double(total) > 0.8)
        #expect(probe.filter { $0.hasPrefix("a") }.count >= 8)
    }
}

@Suite("Online learner against popularity")
struct LearnerVersusPopularityTests {
    /// Hit rate at 10 of each user's held-out last event, for a core built with `configuration`.
    static func holdOutHitRate(_ configuration: EngineConfiguration, events: [Event]) throws -> Double {
        var lastIndex: [String: Int] = [:]
        for (i, e) in events.enumerated() { lastIndex[e.user] = i }
        let core = RecommenderCore(configuration: configuration)
        var heldOut: [String: String] = [:]
        for (i, event) in events.enumerated() {
            if lastIndex[event.user] == i {
                heldOut[event.user] = event.item
            } else {
                try core.apply(event, source: EventSource(partition: 0, offset: Int64(i)))
            }
        }
        var hits = 0, total = 0
        core.refresh(nowMs: 0, wallClockMs: 0, force: true) { list in
            guard let target = heldOut[list.user] else { return }
            total += 1
            if list.items.contains(where: { $0.item == target }) { hits += 1 }
        }
        return Double(hits) / Double(max(total, 1))
    }

    @Test("on generated tastes, the online MF's held-out HR@10 beats popularity's")
    func beatsPopularity() throws {
        var config = GeneratorConfiguration(users: 600, items: 400, seed: 9)
        config.habitProbability = 0
        var generator = EventGenerator(configuration: config)
        let events = generator.generate(count: 60_000)
        var mf = EngineConfiguration()
        mf.minEventsForPersonal = 1
        var popularity = EngineConfiguration()
        popularity.minEventsForPersonal = Int.max
        let mfRate = try Self.holdOutHitRate(mf, events: events)
        let popRate = try Self.holdOutHitRate(popularity, events: events)
        print("held-out HR@10: online MF \(mfRate), popularity \(popRate)")
        #expect(mfRate > popRate * 1.2, "MF \(mfRate) vs popularity \(popRate)")
    }
}
