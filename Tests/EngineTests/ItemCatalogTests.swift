import Engine
import Events
import Foundation
import StreamRecTestKit
import Testing

@Suite("Item catalog: availability and cold start from attributes")
struct ItemCatalogTests {
    /// A core trained on the cluster stream, every cluster item described on the item topic.
    static func trainedCore(topK: Int = 5, rounds: Int = 40) throws -> (RecommenderCore, ClusterStream, [String: [String]]) {
        let stream = ClusterStream()
        var configuration = EngineConfiguration()
        configuration.topK = topK
        configuration.model.seed = 3
        let core = RecommenderCore(configuration: configuration)
        for record in stream.itemRecords { try core.apply(itemRecord: record) }
        for (i, event) in stream.events.enumerated() {
            try core.apply(event, source: EventSource(partition: 0, offset: Int64(i)))
        }
        // Refresh rounds fit the projection (one step per described item per round).
        var latest: [String: [String]] = [:]
        for _ in 0..<rounds { core.refresh(nowMs: 0, wallClockMs: 0) { latest[$0.user] = $0.items.map(\.item) } }
        return (core, stream, latest)
    }

    @Test("an unavailable item leaves exactly the lists that held it in the next round, and comes back when available")
    func withdrawal() throws {
        let (core, stream, latest) = try Self.trainedCore()
        #expect(latest.count == stream.clusterOf.count)
        let counts = Dictionary(latest.values.flatMap { $0 }.map { ($0, 1) }, uniquingKeysWith: +)
        let target = try #require(counts.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key)
        let holders = Set(latest.filter { $0.value.contains(target) }.keys)
        #expect(holders.count > 0)

        #expect(try core.apply(itemRecord: ItemRecord(item: target, available: false)))
        #expect(core.isUnavailable(item: target))
        // The instant of the last publication: only the withdrawal passes the debounce.
        var republished: [String: [String]] = [:]
        core.refresh(nowMs: 0, wallClockMs: 0) { republished[$0.user] = $0.items.map(\.item) }
        #expect(Set(republished.keys) == holders)
        for (user, items) in republished {
            #expect(!items.contains(target), "\(user): \(items)")
            #expect(items.count == 5)
        }
        for user in stream.clusterOf.keys {
            let list = try #require(core.currentList(for: user, k: 10, wallClockMs: 0))
            #expect(!list.items.contains { $0.item == target })
        }
        let info = try #require(core.itemInfo(target))
        #expect(info.available == false)

        try core.apply(itemRecord: ItemRecord(item: target, available: true))
        #expect(!core.isUnavailable(item: target))
        let back = holders.filter { user in
            core.currentList(for: user, k: 5, wallClockMs: 0)?.items.contains { $0.item == target } == true
        }
        #expect(back == holders)
    }

    @Test("a withdrawal re-ranks only the users of the partitions in scope")
    func withdrawalScope() throws {
        let (core, _, latest) = try Self.trainedCore()
        let target = try #require(latest.values.first?.first)
        // Every user's events came from partition 0: with only partition 1 in scope, nobody moves.
        core.catalog.withdrawalPartitions = [1]
        try core.apply(itemRecord: ItemRecord(item: target, available: false))
        var republished = 0
        core.refresh(nowMs: 0, wallClockMs: 0) { _ in republished += 1 }
        #expect(republished == 0)
        #expect(!core.catalog.hasPendingWithdrawals)
    }

    @Test("a new item carrying a cluster's attribute is ranked for that cluster's users before its first event")
    func coldStartFromAttributes() throws {
        let (core, stream, _) = try Self.trainedCore()
        #expect(core.itemInfo("a-new") == nil)
        try core.apply(itemRecord: ItemRecord(item: "a-new", attributes: ["taste-a", "sku-a-new"]))
        let info = try #require(core.itemInfo("a-new"))
        #expect(info.interactions == 0)
        #expect(info.vector == .sideInformation)
        #expect(info.attributes == ["taste-a", "sku-a-new"])

        var holders = [0, 0]
        var users = [0, 0]
        for (user, cluster) in stream.clusterOf {
            let list = try #require(core.currentList(for: user, k: 5, wallClockMs: 0))
            users[cluster] += 1
            if list.items.contains(where: { $0.item == "a-new" }) { holders[cluster] += 1 }
        }
        print("a-new in the lists of \(holders[0])/\(users[0]) cluster-a users, \(holders[1])/\(users[1]) cluster-b users")
        #expect(Double(holders[0]) >= 0.9 * Double(users[0]))
        #expect(Double(holders[1]) <= 0.2 * Double(users[1]))
    }

    @Test("a new item with only an embedding near a cluster's embeddings is ranked for that cluster's users")
    func coldStartFromEmbedding() throws {
        let stream = ClusterStream()
        var configuration = EngineConfiguration()
        configuration.topK = 5
        configuration.model.seed = 3
        configuration.items.embeddingWidth = 4
        let core = RecommenderCore(configuration: configuration)
        // Cluster a's items point along the first axis, cluster b's along the second, with a
        // per-item wobble on the other two.
        for (c, items) in stream.clusterItems.enumerated() {
            for (n, item) in items.enumerated() {
                let wobble = Float(n % 4) * 0.05
                let embedding: [Float] = c == 0 ? [1, 0, wobble, 0.1] : [0, 1, 0.1, wobble]
                try core.apply(itemRecord: ItemRecord(item: item, embedding: embedding))
            }
        }
        for (i, event) in stream.events.enumerated() {
            try core.apply(event, source: EventSource(partition: 0, offset: Int64(i)))
        }
        for _ in 0..<60 { core.refresh(nowMs: 0, wallClockMs: 0) { _ in } }
        try core.apply(itemRecord: ItemRecord(item: "e-new", embedding: [0.9, 0.05, 0.1, 0.05]))
        #expect(core.itemInfo("e-new")?.vector == .sideInformation)
        #expect(core.itemInfo("e-new")?.embeddingWidth == 4)
        var holders = [0, 0], users = [0, 0]
        for (user, cluster) in stream.clusterOf {
            let list = try #require(core.currentList(for: user, k: 5, wallClockMs: 0))
            users[cluster] += 1
            if list.items.contains(where: { $0.item == "e-new" }) { holders[cluster] += 1 }
        }
        print("e-new in the lists of \(holders[0])/\(users[0]) cluster-a users, \(holders[1])/\(users[1]) cluster-b users")
        #expect(Double(holders[0]) >= 0.9 * Double(users[0]))
        #expect(Double(holders[1]) <= 0.2 * Double(users[1]))
    }

    @Test("an item described with an attribute no trained item carries is not recommended until it has events")
    func unplacedSideInformationIsBlocked() throws {
        let (core, stream, _) = try Self.trainedCore()
        try core.apply(itemRecord: ItemRecord(item: "odd", attributes: ["never-seen"]))
        #expect(core.itemInfo("odd")?.vector == ItemInfo.VectorSource.none)
        for user in stream.clusterOf.keys {
            #expect(core.currentList(for: user, k: 20, wallClockMs: 0)?.items.contains { $0.item == "odd" } == false)
        }
    }

    @Test("attribute and exclude filters restrict a computed list")
    func filters() throws {
        let (core, stream, _) = try Self.trainedCore()
        let user = try #require(stream.clusterOf.first { $0.value == 0 }?.key)
        let plain = try #require(core.currentList(for: user, k: 5, wallClockMs: 0)).items.map(\.item)
        let onlyB = try #require(core.currentList(for: user, k: 5, wallClockMs: 0, attribute: "taste-b", exclude: []))
        #expect(onlyB.items.count == 5)
        #expect(onlyB.items.allSatisfy { $0.item.hasPrefix("b") })
        let without = try #require(core.currentList(for: user, k: 5, wallClockMs: 0, attribute: nil, exclude: [plain[0], plain[1]]))
        #expect(Array(without.items.map(\.item).prefix(3)) == Array(plain.dropFirst(2)))
        #expect(!without.items.contains { $0.item == plain[0] || $0.item == plain[1] })
        let none = try #require(core.currentList(for: user, k: 5, wallClockMs: 0, attribute: "no-such-attribute", exclude: []))
        #expect(none.items.isEmpty)
    }

    @Test("a tombstone forgets the record: the item is available again and keeps no attributes")
    func tombstone() throws {
        let (core, _, _) = try Self.trainedCore(rounds: 1)
        try core.apply(itemRecord: ItemRecord(item: "a1", available: false, attributes: ["taste-a"]))
        #expect(core.isUnavailable(item: "a1"))
        #expect(core.removeItemRecord(id: "a1"))
        #expect(!core.isUnavailable(item: "a1"))
        #expect(core.itemInfo("a1")?.attributes == [])
        #expect(core.itemInfo("a1")?.fromItemTopic == false)
        // An item the topic described with nothing the engine uses gets no row.
        try core.apply(itemRecord: ItemRecord(item: "plain"))
        #expect(core.items.index(of: "plain") == nil)
        #expect(core.itemInfo("plain")?.fromItemTopic == true)
    }
}
