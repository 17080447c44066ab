import Engine
import Events
import Foundation
import Linalg
import Models
import Testing

@Suite("Session scoring and fusion in the engine's ranking")
struct SessionScoringTests {
    /// The fused score of every engine item for `user`, computed the long way: MF scores of the
    /// engine items, session scores of the model's items mapped to engine rows by id (0 for items
    /// the model does not know), `HybridFusion.fuse` on the two rows, seen items at -infinity.
    func reference(_ core: RecommenderCore, snapshot: SessionSnapshot, user: String, personal: Bool) throws -> [Float] {
        let row = try #require(core.users.index(of: user))
        let n = core.items.count
        var mf = [Float](repeating: 0, count: n)
        mf.withUnsafeMutableBufferPointer { core.model.scoreAll(user: row, into: $0) }
        let model = snapshot.model
        let vector = try #require(core.sessionVector(for: user))
        var sessionScores = [Float](repeating: 0, count: model.itemCount)
        vector.withUnsafeBufferPointer { v in
            sessionScores.withUnsafeMutableBufferPointer { model.scoreItems(sessionVectors: v.baseAddress!, count: 1, into: $0.baseAddress!) }
        }
        var position: [String: Int] = [:]
        for (k, id) in snapshot.itemIds.enumerated() { position[id] = k }
        let mapped = (0..<n).map { j in position[core.items.id(at: Int32(j))].map { sessionScores[$0] } ?? 0 }
        var fused = snapshot.fusion.fuse(mf: personal ? mf : nil, session: mapped)
        for item in core.table.seen[Int(row)] { fused[Int(item)] = -.infinity }
        return fused
    }

    @Test("hybrid and session-only lists are the reference fusion's top items, with an item order that is not the model's and items it does not know",
          arguments: [false, true])
    func matchesReference(forwardOnly: Bool) throws {
        // The model knows 60 of the 80 items the stream uses, in an order of its own.
        let items = 80
        let c = SessionModelConfiguration(itemCount: 60, embeddingDimension: 16, hiddenSize: 12, windowLength: 6,
                                          forwardOnly: forwardOnly, seed: 9)
        var rng = SeededGenerator(seed: 4)
        var ids = (0..<items).map { "i\($0)" }
        ids.shuffle(using: &rng)
        let snapshot = try SessionSnapshot(model: BiGRUSessionModel(configuration: c), itemIds: Array(ids.prefix(60)),
                                           fusion: HybridFusion(mfWeight: 0.4, sessionWeight: 0.6))
        var configuration = EngineConfiguration()
        configuration.session.snapshot = snapshot
        let core = RecommenderCore(configuration: configuration)
        var generator = EventGenerator(configuration: GeneratorConfiguration(users: 40, items: items, seed: 12))
        var last: Int64 = 0
        for (i, e) in generator.generate(count: 1_500).enumerated() {
            try core.apply(e, source: EventSource(partition: 0, offset: Int64(i)))
            last = max(last, e.timestampMs)
        }
        // Two users with a window but too few events for MF: ranked by the session alone.
        for (k, user) in ["s1", "s2"].enumerated() {
            try core.apply(Event(user: user, item: ids[k], type: .click, timestampMs: last + 1), source: .none)
        }
        var lists: [String: RecommendationList] = [:]
        core.refresh(nowMs: 0, wallClockMs: 0, force: true) { lists[$0.user] = $0 }
        var kinds: Set<String> = []
        var checked = 0
        for (user, list) in lists where list.model == "hybrid" || list.model == "session" {
            kinds.insert(list.model)
            let fused = try reference(core, snapshot: snapshot, user: user, personal: list.model == "hybrid")
            let id = Dictionary(uniqueKeysWithValues: (0..<core.items.count).map { (core.items.id(at: Int32($0)), $0) })
            let best = fused.filter(\.isFinite).sorted(by: >).prefix(list.items.count)
            #expect(list.items.count == min(configuration.topK, fused.filter(\.isFinite).count))
            for ((item, score), want) in zip(list.items, best) {
                let j = try #require(id[item])
                #expect(abs(fused[j] - score) < 1e-3, "user \(user) item \(item): \(score) against the reference \(fused[j])")
                #expect(abs(want - score) < 1e-3, "user \(user): listed \(score) where the reference's top has \(want)")
            }
            checked += 1
        }
        #expect(kinds == ["hybrid", "session"])
        #expect(checked > 30)
    }
}
