import Engine
import Events
import Foundation
import Kafka
import Models
import Pipeline
import StreamRecTestKit
import Testing

/// Two real pipelines in one consumer group on the mock cluster, sharing item state through the
/// item-updates topic: an item only one member's partitions see reaches the other, and after
/// the stream both hold the same item state, row numbering aside.
@Suite("Consumer group: item state shared", .serialized)
struct ItemSharingGroupTests {
    typealias Member = GroupRebalanceTests.Member

    /// Waits until neither member holds unsent item changes and each has applied the other's
    /// newest batch.
    @discardableResult
    static func quiesce(_ members: [Member], timeout: TimeInterval = 30) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let views = members.map { m in
                m.pipeline.withCore { core in
                    (core.unsharedItemCount, core.itemSharing!.author, core.itemSharing!.sequence, core.itemSharing!.appliedSequence)
                }
            }
            let settled = views.allSatisfy { $0.0 == 0 } && views.allSatisfy { mine in
                views.allSatisfy { other in other.1 == mine.1 || (mine.3[other.1] ?? 0) == other.2 }
            }
            if settled { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return false
    }

    /// Item id → (vector, bias, count) as a member holds it.
    static func items(_ member: Member) -> [String: ([Float], Float, Int32)] {
        member.pipeline.withCore { core in
            var out: [String: ([Float], Float, Int32)] = [:]
            for row in 0..<Int32(core.items.count) {
                out[core.items.id(at: row)] = (Array(core.model.itemFactors.rowBuffer(Int(row))),
                                               core.model.itemBias[Int(row)], core.model.itemCount[Int(row)])
            }
            return out
        }
    }

    /// The `k` items of `state` closest to `item` by cosine, best first.
    static func similar(_ item: String, in state: [String: ([Float], Float, Int32)], k: Int = 10) -> [String] {
        let q: [Float] = state[item]!.0
        let qn: Float = norm(q)
        var scored: [(String, Float)] = []
        for (id, value) in state where id != item {
            var dot: Float = 0
            for i in q.indices { dot += q[i] * value.0[i] }
            scored.append((id, dot / max(norm(value.0) * qn, 1e-12)))
        }
        scored.sort { $0.1 > $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
        return scored.prefix(k).map(\.0)
    }

    static func norm(_ v: [Float]) -> Float {
        var s: Float = 0
        for x in v { s += x * x }
        return s.squareRoot()
    }

    @Test("an item whose events all land on one member's partitions is known on the other, with the same vector")
    func newItemReachesOtherMember() throws {
        let kafka = try KafkaTestHarness(partitions: 4)
        var generator = EventGenerator(configuration: GeneratorConfiguration(users: 120, items: 150, seed: 31))
        let a = try Member(kafka, group: "share-new")
        let b = try Member(kafka, group: "share-new")
        for _ in 0..<2_000 { try kafka.send(generator.next()) }
        kafka.flush()
        #expect(GroupRebalanceTests().settle([a, b], partitions: 4, total: 2_000))
        var aUsers: [String] = []
        GroupRebalanceTests().forEachOwnedUser([a]) { id, _ in aUsers.append(id) }
        aUsers.sort()
        try #require(!aUsers.isEmpty && !a.stats.assignedPartitions.isEmpty && !b.stats.assignedPartitions.isEmpty)
        #expect(b.pipeline.withCore { $0.items.index(of: "fresh-item") } == nil)

        let started = Date()
        for i in 0..<30 {
            try kafka.send(Event(user: aUsers[i % aUsers.count], item: "fresh-item", type: .click,
                                 timestampMs: 1_800_000_000_000 + Int64(i)))
        }
        kafka.flush()
        var known = false
        while Date().timeIntervalSince(started) < 20 {
            if b.pipeline.withCore({ $0.items.index(of: "fresh-item") }) != nil { known = true; break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        let seconds = Date().timeIntervalSince(started)
        print("fresh item known on the other member after \(String(format: "%.2f", seconds)) s")
        #expect(known)
        #expect(seconds < 10, "the documented bound is item_updates_interval_ms (500 ms) plus delivery and a loop iteration")
        // The events all went to A: B applied none of them, yet holds the item as A does.
        #expect(b.stats.appliedOwned + a.stats.appliedOwned == 2_030)
        #expect(Self.quiesce([a, b]))
        let sa = Self.items(a), sb = Self.items(b)
        let fa = try #require(sa["fresh-item"]), fb = try #require(sb["fresh-item"])
        #expect(fa.2 == 30 && fb.2 == 30)
        let worst = zip(fa.0, fb.0).map { abs($0 - $1) }.max() ?? 0
        #expect(worst < 1e-4, "vectors differ by \(worst)")
        #expect(abs(fa.1 - fb.1) < 1e-4)
        let bStats = try #require(b.stats.itemSharing)
        #expect(bStats.batchesApplied > 0 && bStats.itemsApplied > 0 && bStats.bytesApplied > 0)
        try b.runner.stop()
        try a.runner.stop()
    }

    @Test("after the stream both members hold the same item state and agree on similar items (item updates on 3 partitions)")
    func membersAgree() throws {
        let kafka = try KafkaTestHarness(partitions: 4)
        var generator = EventGenerator(configuration: GeneratorConfiguration(users: 300, items: 200, seed: 32))
        // Three partitions: an author's batches interleave across them and arrive out of order.
        try kafka.cluster.createTopic("share-agree.item-updates", partitions: 3)
        let a = try Member(kafka, group: "share-agree")
        let b = try Member(kafka, group: "share-agree")
        for _ in 0..<8_000 { try kafka.send(generator.next()) }
        kafka.flush()
        #expect(GroupRebalanceTests().settle([a, b], partitions: 4, total: 8_000))
        #expect(Self.quiesce([a, b]))
        let sa = Self.items(a), sb = Self.items(b)
        #expect(Set(sa.keys) == Set(sb.keys))
        var worst: Float = 0
        var counts = true
        for (id, va) in sa {
            guard let vb = sb[id] else { continue }
            for k in va.0.indices { worst = max(worst, abs(va.0[k] - vb.0[k])) }
            worst = max(worst, abs(va.1 - vb.1))
            if va.2 != vb.2 { counts = false }
        }
        #expect(worst < 1e-3, "largest difference \(worst)")
        #expect(counts)
        let popular = sa.sorted { $0.value.2 > $1.value.2 || ($0.value.2 == $1.value.2 && $0.key < $1.key) }.prefix(20).map(\.key)
        let overlaps = popular.map { Set(Self.similar($0, in: sa)).intersection(Self.similar($0, in: sb)).count }
        print("similar top-10 overlap for the 20 most popular items: \(overlaps)")
        #expect(overlaps.allSatisfy { $0 >= 9 })
        try b.runner.stop()
        try a.runner.stop()
    }

    @Test("the member owning partition 0 trains the session encoder; the other installs what it publishes")
    func sessionModelOnePerGroup() throws {
        let kafka = try KafkaTestHarness(partitions: 4)
        var engine = EngineConfiguration()
        engine.debounceMs = 0
        engine.session.learning.enabled = true
        engine.session.learning.trainEveryEvents = 1_000
        engine.session.learning.model = SessionModelConfiguration(itemCount: 1, embeddingDimension: 8, hiddenSize: 8, windowLength: 6,
                                                                  typeCount: 5, typeEmbeddingDimension: 2, gapEmbeddingDimension: 2,
                                                                  dropout: 0, learningRate: 0.01, batchSize: 64, seed: 3)
        engine.session.learning.maxExamplesPerRound = 2_000
        func member() throws -> PipelineRunner {
            var c = kafka.pipelineConfiguration(group: "share-session")
            c.checkpointIntervalMs = 300
            return PipelineRunner(try StreamPipeline(configuration: c, engine: engine, logger: quietLogger()))
        }
        let a = try member(), b = try member()
        // Both hold partitions before any event: partition 0 does not move during the test.
        let joined = Date().addingTimeInterval(30)
        while Date() < joined && ![a, b].allSatisfy({ !$0.pipeline.statsSnapshot().assignedPartitions.isEmpty }) {
            Thread.sleep(forTimeInterval: 0.05)
        }
        var generator = EventGenerator(configuration: GeneratorConfiguration(users: 150, items: 80, habitProbability: 0.6, seed: 33))
        let deadline = Date().addingTimeInterval(60)
        var agreed = false
        while Date() < deadline && !agreed {
            for _ in 0..<1_000 { try kafka.send(generator.next()) }
            kafka.flush()
            Thread.sleep(forTimeInterval: 1)
            let versions = [a, b].map { r in r.pipeline.withCore { $0.sessionModelVersion } }
            agreed = versions[0] > 0 && versions[0] == versions[1]
        }
        #expect(agreed)
        let views = [a, b].map { r in
            (r.pipeline.statsSnapshot().assignedPartitions.contains(0),
             r.pipeline.withCore { ($0.sessionTrainsHere, $0.sharedSessionModelsInstalled, $0.sessionLearningStatistics?.rounds ?? 0) })
        }
        // Exactly one member owns partition 0; it trains and installs nothing from the group;
        // the other trains nothing and installs the published models.
        #expect(views.filter(\.0).count == 1)
        for (ownsZero, (trains, installed, rounds)) in views {
            #expect(trains == ownsZero)
            if ownsZero {
                #expect(rounds > 0 && installed == 0)
            } else {
                #expect(installed > 0 && rounds == 0)
            }
        }
        try b.stop()
        try a.stop()
    }
}
