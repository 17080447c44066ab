import Engine
import Events
import Foundation
import Models
import StreamRecTestKit
import Testing

@Suite("Item state shared between cores")
struct ItemSharingTests {
    static func core(_ author: String, feedback: Feedback = .implicit) -> RecommenderCore {
        var configuration = EngineConfiguration()
        configuration.model.feedback = feedback
        let core = RecommenderCore(configuration: configuration)
        core.startItemSharing(author: author)
        return core
    }

    static func vector(_ core: RecommenderCore, _ id: String) throws -> [Float] {
        let row = try #require(core.items.index(of: id))
        return Array(core.model.itemFactors.rowBuffer(Int(row)))
    }

    static func maxDifference(_ a: RecommenderCore, _ b: RecommenderCore) throws -> Float {
        var worst: Float = 0
        for id in a.items.ids {
            let va = try vector(a, id), vb = try vector(b, id)
            for k in va.indices { worst = max(worst, abs(va[k] - vb[k])) }
            let ra = Int(a.items.index(of: id)!), rb = Int(b.items.index(of: id)!)
            worst = max(worst, abs(a.model.itemBias[ra] - b.model.itemBias[rb]))
            #expect(a.model.itemCount[ra] == b.model.itemCount[rb], "event count of \(id)")
        }
        return worst
    }

    /// Sends every batch `from` has through its encoding to `to`.
    static func exchange(_ from: RecommenderCore, to: RecommenderCore) throws {
        for batch in from.takeItemUpdates(sentAtMs: 1) {
            let bytes = batch.encoded()
            try to.apply(itemUpdates: try ItemUpdateBatch(decoding: bytes), bytes: bytes.count)
        }
    }

    @Test("an item only one core saw reaches the other with the same vector, bias and count")
    func newItemArrives() throws {
        let a = Self.core("a"), b = Self.core("b")
        for i in 0..<20 {
            try a.apply(Event(user: "u\(i % 4)", item: i % 2 == 0 ? "only-a" : "x\(i)", type: .click, timestampMs: Int64(1_000 + i)),
                        source: EventSource(partition: 0, offset: Int64(i)))
        }
        #expect(b.items.index(of: "only-a") == nil)
        try Self.exchange(a, to: b)
        #expect(b.items.index(of: "only-a") != nil)
        #expect(b.items.count == a.items.count)
        #expect(try Self.maxDifference(a, b) < 1e-6)
        let ra = a.items.index(of: "only-a")!, rb = b.items.index(of: "only-a")!
        #expect(b.model.itemCount[Int(rb)] == 10)
        #expect(abs(a.popularity.count(of: ra, at: 2_000) - b.popularity.count(of: rb, at: 2_000)) < 1e-4)
        // Nothing changed since: nothing to send; B's applied change is not sent back.
        #expect(a.takeItemUpdates(sentAtMs: 2).isEmpty)
        #expect(b.takeItemUpdates(sentAtMs: 2).isEmpty)
    }

    @Test("two cores learning different users, exchanging both ways, end with the same items")
    func bothWaysConverge() throws {
        let a = Self.core("a"), b = Self.core("b")
        let stream = PlantedStream()
        for (i, event) in stream.events.enumerated() {
            // Users split by a hash, as partitions would split them; items are shared.
            let target = event.user.utf8.reduce(0) { $0 &+ Int($1) } % 2 == 0 ? a : b
            try target.apply(event, source: EventSource(partition: 0, offset: Int64(i)))
            if i % 500 == 499 {
                try Self.exchange(a, to: b)
                try Self.exchange(b, to: a)
            }
        }
        try Self.exchange(a, to: b)
        try Self.exchange(b, to: a)
        #expect(Set(a.items.ids) == Set(b.items.ids))
        let worst = try Self.maxDifference(a, b)
        #expect(worst < 1e-4, "largest difference \(worst)")
        // Rows were numbered in different orders, yet matched by id.
        #expect(a.items.ids != b.items.ids)
        #expect(a.itemSharing!.statistics.batchesApplied == Int64(b.itemSharing!.sequence))
    }

    @Test("own batches and repeated sequences are skipped")
    func duplicatesSkipped() throws {
        let a = Self.core("a"), b = Self.core("b")
        try a.apply(Event(user: "u", item: "i", type: .click, timestampMs: 1), source: EventSource(partition: 0, offset: 0))
        let batches = a.takeItemUpdates(sentAtMs: 1)
        #expect(batches.count == 1)
        #expect(try a.apply(itemUpdates: batches[0]) == .skipped)
        #expect(try b.apply(itemUpdates: batches[0]) == .applied(items: batches[0].items.count))
        let before = try Self.vector(b, "i")
        #expect(try b.apply(itemUpdates: batches[0]) == .skipped)
        #expect(try Self.vector(b, "i") == before)
        #expect(b.itemSharing!.statistics.batchesSkipped == 1)
        #expect(b.itemSharing!.appliedSequence["a"] == 1)
    }

    @Test("batches read out of order are each applied once")
    func outOfOrder() throws {
        let a = Self.core("a"), b = Self.core("b")
        var batches: [ItemUpdateBatch] = []
        for i in 0..<3 {
            try a.apply(Event(user: "u", item: "i\(i)", type: .click, timestampMs: Int64(i)), source: EventSource(partition: 0, offset: Int64(i)))
            batches += a.takeItemUpdates(sentAtMs: Int64(i))
        }
        #expect(batches.map(\.sequence) == [1, 2, 3])
        #expect(try b.apply(itemUpdates: batches[2]) != .skipped)
        #expect(try b.apply(itemUpdates: batches[0]) != .skipped)
        #expect(b.itemSharing!.appliedSequence["a"] == 1 && b.itemSharing!.appliedAbove["a"] == [3])
        #expect(try b.apply(itemUpdates: batches[2]) == .skipped)
        #expect(try b.apply(itemUpdates: batches[1]) != .skipped)
        #expect(b.itemSharing!.appliedSequence["a"] == 3 && b.itemSharing!.appliedAbove["a"] == nil)
        #expect(try b.apply(itemUpdates: batches[0]) == .skipped)
        #expect(try Self.maxDifference(a, b) < 1e-6)
    }

    @Test("batches split at the item limit and number consecutively")
    func batchLimit() throws {
        let a = Self.core("a")
        for i in 0..<25 {
            try a.apply(Event(user: "u", item: "i\(i)", type: .click, timestampMs: 1), source: EventSource(partition: 0, offset: Int64(i)))
        }
        let batches = a.takeItemUpdates(sentAtMs: 1, maxItems: 10)
        #expect(batches.map(\.sequence) == [1, 2, 3])
        #expect(batches.map(\.items.count) == [10, 10, 5])
    }

    @Test("explicit feedback shares the ratings' mean")
    func explicitMean() throws {
        let a = Self.core("a", feedback: .explicit), b = Self.core("b", feedback: .explicit)
        for (i, r) in [5, 4, 3].enumerated() {
            try a.apply(Event(user: "u", item: "i\(i)", type: .rating, value: Float(r), timestampMs: 1), source: EventSource(partition: 0, offset: Int64(i)))
        }
        try b.apply(Event(user: "v", item: "j", type: .rating, value: 1, timestampMs: 1), source: EventSource(partition: 0, offset: 0))
        try Self.exchange(a, to: b)
        try Self.exchange(b, to: a)
        #expect(abs(a.model.globalMean - 3.25) < 1e-5)
        #expect(abs(b.model.globalMean - 3.25) < 1e-5)
        #expect(a.model.eventCount == 4 && b.model.eventCount == 4)
    }

    @Test("a cold item placed from its side information is not sent as a change")
    func placementIsLocal() throws {
        let stream = ClusterStream()
        var configuration = EngineConfiguration()
        configuration.model.seed = 3
        let core = RecommenderCore(configuration: configuration)
        core.startItemSharing(author: "a")
        for record in stream.itemRecords { try core.apply(itemRecord: record) }
        for (i, event) in stream.events.enumerated() { try core.apply(event, source: EventSource(partition: 0, offset: Int64(i))) }
        for _ in 0..<40 { core.refresh(nowMs: 0, wallClockMs: 0) { _ in } }
        _ = core.takeItemUpdates(sentAtMs: 1)
        try core.apply(itemRecord: ItemRecord(item: "a-new", attributes: ["taste-a", "sku-a-new"]))
        core.refresh(nowMs: 0, wallClockMs: 0) { _ in }
        #expect(core.itemInfo("a-new")?.vector == .sideInformation)
        #expect(!core.takeItemUpdates(sentAtMs: 2).flatMap(\.items).map(\.id).contains("a-new"))
        // Its first event: what goes out is that event's step from the placed vector, not the
        // placement itself.
        let placed = try Self.vector(core, "a-new")
        try core.apply(Event(user: stream.events[0].user, item: "a-new", type: .click, timestampMs: 1), source: EventSource(partition: 0, offset: 1_000_000))
        let now = try Self.vector(core, "a-new")
        let change = try #require(core.takeItemUpdates(sentAtMs: 3).flatMap(\.items).first { $0.id == "a-new" })
        let worst = zip(change.vector, zip(now, placed).map { $0 - $1 }).map { abs($0 - $1) }.max() ?? 1
        #expect(worst < 1e-6, "the change sent differs from the event's step by \(worst)")
    }

    @Test("the batch encoding round-trips and refuses what is not a batch")
    func encoding() throws {
        let batch = ItemUpdateBatch(author: "a1", sequence: 7, sentAtMs: 99, newestEventMs: 98, factors: 2,
                                    popularityOriginMs: 5, ratingEvents: 3, ratingSum: 12.5,
                                    items: [.init(id: "x", bias: 0.5, count: 2, popularity: 1.5, vector: [0.25, -1])])
        let bytes = batch.encoded()
        #expect(try ItemUpdateBatch(decoding: bytes) == batch)
        #expect(throws: SnapshotError.self) { try ItemUpdateBatch(decoding: Array("{\"item\":1}".utf8)) }
        #expect(throws: SnapshotError.self) { try ItemUpdateBatch(decoding: Array(bytes.dropLast(3))) }
        #expect(throws: SnapshotError.self) { try ItemUpdateBatch(decoding: bytes + [0]) }
        var nan = batch
        nan.items[0].vector[1] = .nan
        #expect(throws: SnapshotError.self) { try ItemUpdateBatch(decoding: nan.encoded()) }
        var empty = batch
        empty.author = ""
        #expect(throws: SnapshotError.self) { try ItemUpdateBatch(decoding: empty.encoded()) }
    }

    @Test("a batch of another latent dimension is refused with the reason")
    func dimensionMismatch() throws {
        let b = Self.core("b")
        let batch = ItemUpdateBatch(author: "a", sequence: 1, sentAtMs: 1, newestEventMs: 1, factors: 3,
                                    popularityOriginMs: nil, items: [.init(id: "x", bias: 0, count: 1, popularity: 0, vector: [1, 2, 3])])
        do {
            try b.apply(itemUpdates: batch)
            Issue.record("a mismatched batch was applied")
        } catch {
            #expect(error.reason == "item_update_mismatch")
            #expect(error.description.contains("engine.factors"))
        }
        #expect(b.items.count == 0)
    }

    @Test("a checkpoint keeps which batches the state holds")
    func checkpointKeepsSequences() throws {
        let a = Self.core("a"), b = Self.core("b")
        try a.apply(Event(user: "u", item: "i", type: .click, timestampMs: 1), source: EventSource(partition: 0, offset: 0))
        try Self.exchange(a, to: b)
        try b.apply(Event(user: "v", item: "j", type: .click, timestampMs: 2), source: EventSource(partition: 0, offset: 0))
        _ = b.takeItemUpdates(sentAtMs: 2)
        let bytes = b.checkpoint(offsets: [:], writtenAtMs: 3).encoded()
        let reader = try SnapshotReader(bytes: bytes)
        #expect(try RecommenderCore.sharedBatches(in: reader).upTo == ["a": 1, "b": 1])
        // A batch beyond a gap is kept with the checkpoint too.
        try a.apply(Event(user: "u", item: "k", type: .click, timestampMs: 4), source: EventSource(partition: 0, offset: 1))
        _ = a.takeItemUpdates(sentAtMs: 4)
        try a.apply(Event(user: "u", item: "l", type: .click, timestampMs: 5), source: EventSource(partition: 0, offset: 2))
        try b.apply(itemUpdates: a.takeItemUpdates(sentAtMs: 5)[0])
        let later = try SnapshotReader(bytes: b.checkpoint(offsets: [:], writtenAtMs: 6).encoded())
        let kept = try RecommenderCore.sharedBatches(in: later)
        #expect(kept.upTo == ["a": 1, "b": 1] && kept.above == ["a": [3]])
        let (restored, _) = try RecommenderCore.restore(from: reader, configuration: b.configuration)
        restored.startItemSharing(author: "b2", appliedSequence: try RecommenderCore.sharedBatches(in: reader).upTo)
        #expect(restored.takeItemUpdates(sentAtMs: 4).isEmpty)
    }
}
