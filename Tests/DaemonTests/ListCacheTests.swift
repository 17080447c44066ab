import Daemon
import Engine
import Testing

@Suite("List cache of the query API")
struct ListCacheTests {
    private func list(_ user: String, version: Int64 = 1) -> RecommendationList {
        RecommendationList(user: user, items: [(item: "i1", score: 1)], model: "mf", version: version,
                           generatedAtMs: 0, basedOn: .none)
    }

    @Test("past capacity the least recently used user goes; publishing or reading makes a user recent")
    func leastRecentlyUsed() {
        let cache = ListCache(capacity: 3)
        for user in ["a", "b", "c"] { cache.record(list(user)) }
        #expect(cache.list(for: "a") != nil)        // a is now the most recent: b is the oldest
        cache.record(list("d"))                      // evicts b
        #expect(cache.list(for: "b") == nil)
        #expect(cache.count == 3)
        cache.record(list("c", version: 2))         // republishing c makes it recent: a is the oldest
        cache.record(list("e"))                      // evicts a
        #expect(cache.list(for: "a") == nil)
        #expect(cache.list(for: "c")?.version == 2)
        #expect(cache.list(for: "d") != nil && cache.list(for: "e") != nil)
        #expect(cache.count == 3)
    }

    @Test("a cache of one keeps the last list only, and many evictions keep the count at capacity")
    func churn() {
        let one = ListCache(capacity: 1)
        one.record(list("a"))
        one.record(list("b"))
        #expect(one.list(for: "a") == nil && one.list(for: "b") != nil)
        let cache = ListCache(capacity: 50)
        for k in 0..<1_000 {
            cache.record(list("u\(k)"))
            if k % 3 == 0 { _ = cache.list(for: "u\(k / 2)") }
        }
        #expect(cache.count == 50)
        #expect(cache.list(for: "u999") != nil)
        #expect(cache.list(for: "u0") == nil)
    }
}
