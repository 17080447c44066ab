import Testing
@testable import Events

@Suite("EventGenerator")
struct EventGeneratorTests {
    @Test("same seed gives the same stream; another seed a different one")
    func determinism() {
        var a = EventGenerator(configuration: GeneratorConfiguration(seed: 9))
        var b = EventGenerator(configuration: GeneratorConfiguration(seed: 9))
        var c = EventGenerator(configuration: GeneratorConfiguration(seed: 10))
        let first = a.generate(count: 2_000)
        #expect(first == b.generate(count: 2_000))
        #expect(first != c.generate(count: 2_000))
        #expect(a.successor(ofItem: 5) == b.successor(ofItem: 5))
    }

    @Test("ids, timestamps and type shares follow the configuration")
    func shape() {
        var g = EventGenerator(configuration: GeneratorConfiguration(users: 50, items: 40, startTimestampMs: 1_000))
        #expect(g.userId(17) == "u17")
        #expect(g.itemId(42) == "i42")
        #expect(EventGenerator.itemIndex("i42") == 42)
        #expect(EventGenerator.userIndex("x1") == nil)
        let events = g.generate(count: 20_000)
        #expect(events[0].timestampMs > 1_000)
        #expect(zip(events, events.dropFirst()).allSatisfy { $0.timestampMs < $1.timestampMs })
        #expect(events.allSatisfy { (EventGenerator.userIndex($0.user) ?? -1) < 50 && (EventGenerator.itemIndex($0.item) ?? -1) < 40 })
        #expect(events.allSatisfy { $0.type != .rating && $0.value == nil })
        let views = Double(events.filter { $0.type == .view }.count) / Double(events.count)
        let purchases = Double(events.filter { $0.type == .purchase }.count) / Double(events.count)
        #expect(abs(views - 0.55) < 0.02)
        #expect(abs(purchases - 0.05) < 0.01)
    }

    @Test("planted successors follow their item about habitProbability of the time")
    func habits() {
        func successorRate(_ p: Double) -> Double {
            var g = EventGenerator(configuration: GeneratorConfiguration(users: 200, items: 500, habitProbability: p))
            var last: [String: Int] = [:]
            var hits = 0, pairs = 0
            for e in g.generate(count: 30_000) {
                let item = EventGenerator.itemIndex(e.item)!
                if let previous = last[e.user] {
                    pairs += 1
                    if g.successor(ofItem: previous) == item { hits += 1 }
                }
                last[e.user] = item
            }
            return Double(hits) / Double(pairs)
        }
        let planted = successorRate(0.35)
        #expect(planted > 0.33 && planted < 0.45, "rate \(planted)")
        #expect(successorRate(0) < 0.03)
        let g = EventGenerator()
        #expect(Set((0..<1_000).map { g.successor(ofItem: $0) }).count == 1_000)
        #expect((0..<1_000).allSatisfy { g.successor(ofItem: $0) != $0 })
    }

    @Test("picks concentrate on each user's taste list and on popular items")
    func tasteAndPopularity() {
        let config = GeneratorConfiguration(users: 100, items: 1_000, habitProbability: 0, popularityMix: 0.2)
        var g = EventGenerator(configuration: config)
        let events = g.generate(count: 20_000)
        var tops: [String: Set<String>] = [:]
        var inTaste = 0
        for e in events {
            let u = EventGenerator.userIndex(e.user)!
            let top = tops[e.user] ?? Set(g.tasteTopItems(user: u, count: 50).map(g.itemId))
            tops[e.user] = top
            if top.contains(e.item) { inTaste += 1 }
        }
        let share = Double(inTaste) / Double(events.count)
        #expect(share > 0.78, "taste share \(share)") // 0.8 from taste lists plus popular hits
        let top = g.tasteTopItems(user: 3, count: 10)
        #expect(top.count == 10)
        #expect(zip(top, top.dropFirst()).allSatisfy { g.score(user: 3, item: $0) >= g.score(user: 3, item: $1) })
        var counts: [String: Int] = [:]
        for e in events { counts[e.item, default: 0] += 1 }
        let mostPopular = (0..<1_000).first { g.popularityRank(ofItem: $0) == 0 }!
        #expect(counts[g.itemId(mostPopular), default: 0] > 300) // Zipf(1) over 1000 items: ~13% of 20% of picks
    }

    @Test("ratings come at the configured fraction, in 1...5, and follow the planted score")
    func ratings() {
        var g = EventGenerator(configuration: GeneratorConfiguration(users: 100, items: 200, ratingFraction: 0.5))
        let events = g.generate(count: 10_000)
        let ratings = events.filter { $0.type == .rating }
        #expect(abs(Double(ratings.count) / 10_000 - 0.5) < 0.03)
        #expect(ratings.allSatisfy { v in v.value.map { (1...5).contains($0) && $0 == $0.rounded() } ?? false })
        var high = (0.0, 0), low = (0.0, 0)
        for r in ratings {
            let s = g.score(user: EventGenerator.userIndex(r.user)!, item: EventGenerator.itemIndex(r.item)!)
            if s > 0.5 { high.0 += Double(r.value!); high.1 += 1 } else if s < -0.5 { low.0 += Double(r.value!); low.1 += 1 }
        }
        #expect(high.1 > 0 && low.1 > 0)
        #expect(high.0 / Double(high.1) > low.0 / Double(low.1) + 1)
    }

    @Test("generated events survive encoding and strict decoding")
    func encodeDecode() throws {
        var g = EventGenerator(configuration: GeneratorConfiguration(ratingFraction: 0.3))
        let decoder = EventDecoder()
        for e in g.generate(count: 2_000) {
            #expect(try decoder.decode(EventEncoder.json(e), fallbackTimestampMs: 0) == e)
        }
    }
}
