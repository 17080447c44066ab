import Engine
import Events
import Foundation
import Linalg
import Models
import Testing

/// A generated stream with planted sequential habits and a small session model trained on it.
struct HabitFixture {
    let generator: EventGenerator
    let events: [Event]
    let snapshot: SessionSnapshot

    private init(generator: EventGenerator, events: [Event], snapshot: SessionSnapshot) {
        self.generator = generator
        self.events = events
        self.snapshot = snapshot
    }

    /// The same stream and weights with another fusion.
    func with(fusion: HybridFusion) throws -> HabitFixture {
        HabitFixture(generator: generator, events: events,
                     snapshot: try SessionSnapshot(model: snapshot.model, itemIds: snapshot.itemIds, fusion: fusion))
    }

    init(users: Int = 120, items: Int = 200, count: Int = 4_000, fusion: HybridFusion = HybridFusion(mfWeight: 0.25, sessionWeight: 0.75)) throws {
        let config = GeneratorConfiguration(users: users, items: items, habitProbability: 0.6, seed: 7)
        var generator = EventGenerator(configuration: config)
        events = generator.generate(count: count)
        self.generator = generator
        // Sequences per user in stream order, item index = generator index.
        var byUser: [String: [SessionStep]] = [:]
        for e in events {
            let item = Int32(EventGenerator.itemIndex(e.item)!)
            byUser[e.user, default: []].append(SessionStep(item: item, timestampMs: e.timestampMs))
        }
        let sequences = byUser.keys.sorted().map { byUser[$0]! }
        let c = SessionModelConfiguration(itemCount: items, embeddingDimension: 16, hiddenSize: 16, windowLength: 5,
                                          typeEmbeddingDimension: 0, gapEmbeddingDimension: 0, dropout: 0,
                                          learningRate: 0.02, batchSize: 128, epochs: 6, patience: 6, seed: 3)
        let model = try SessionTrainer(configuration: c).train(sequences: sequences)
        snapshot = try SessionSnapshot(model: model, itemIds: (0..<items).map { "i\($0)" }, fusion: fusion)
    }

    /// Fits the MF/session fusion on validation, as `streamrec train-session` does: each user's
    /// last event is held out, the MF side is an engine core fed everything before it, the session
    /// side encodes the window before it, and the session share maximising NDCG@10 is kept.
    func fittedFusion() throws -> HybridFusion {
        var lastIndex: [String: Int] = [:]
        for (i, e) in events.enumerated() { lastIndex[e.user] = i }
        let core = RecommenderCore(configuration: EngineConfiguration())
        var history: [String: [SessionStep]] = [:]
        var seen: [String: [Int]] = [:]
        for (i, e) in events.enumerated() where lastIndex[e.user] != i {
            try core.apply(e, source: EventSource(partition: 0, offset: Int64(i)))
            let item = EventGenerator.itemIndex(e.item)!
            history[e.user, default: []].append(SessionStep(item: Int32(item), timestampMs: e.timestampMs))
            seen[e.user, default: []].append(item)
        }
        let model = snapshot.model
        let n = model.itemCount
        var mfRows: [[Float]] = [], sessionRows: [[Float]] = [], targets: [Int] = [], excluded: [[Int]] = []
        var all = [Float](repeating: 0, count: core.items.count)
        for (user, index) in lastIndex.sorted(by: { $0.key < $1.key }) {
            guard let steps = history[user], steps.count >= 2, let row = core.users.index(of: user) else { continue }
            all.withUnsafeMutableBufferPointer { core.model.scoreAll(user: row, into: $0) }
            // MF scores in session item order (items the core never saw score at the minimum).
            let floor = all.min() ?? 0
            mfRows.append((0..<n).map { k in core.items.index(of: "i\(k)").map { all[Int($0)] } ?? floor })
            var scores = [Float](repeating: 0, count: n)
            let vector = model.sessionVectors(histories: [steps])
            vector.withUnsafeBufferPointer { v in
                scores.withUnsafeMutableBufferPointer { model.scoreItems(sessionVectors: v.baseAddress!, count: 1, into: $0.baseAddress!) }
            }
            sessionRows.append(scores)
            targets.append(EventGenerator.itemIndex(events[index].item)!)
            excluded.append(seen[user] ?? [])
        }
        return HybridFusion.fit(mfScores: mfRows, sessionScores: sessionRows, targets: targets, excluded: excluded).fusion
    }

    func core(session: Bool, tweak: (inout EngineConfiguration) -> Void = { _ in }) throws -> RecommenderCore {
        var c = EngineConfiguration()
        if session { c.session.snapshot = snapshot }
        tweak(&c)
        let core = RecommenderCore(configuration: c)
        for (i, e) in events.enumerated() { try core.apply(e, source: EventSource(partition: 0, offset: Int64(i))) }
        return core
    }

    /// Users whose last two events follow a planted habit (`b = successor(a)`) and who have not yet
    /// seen `successor(b)`, with that next item.
    func usersInHabit() -> [String: String] {
        var history: [String: [Int]] = [:]
        for e in events { history[e.user, default: []].append(EventGenerator.itemIndex(e.item)!) }
        var out: [String: String] = [:]
        for (user, items) in history where items.count >= 3 {
            let a = items[items.count - 2], b = items[items.count - 1]
            let next = generator.successor(ofItem: b)
            guard generator.successor(ofItem: a) == b, !items.contains(next) else { continue }
            out[user] = "i\(next)"
        }
        return out
    }
}

@Suite("Session state and hybrid ranking in the engine")
struct SessionEngineTests {
    func lists(_ core: RecommenderCore) -> [String: [String]] {
        var out: [String: [String]] = [:]
        core.refresh(nowMs: 0, wallClockMs: 0, force: true) { out[$0.user] = $0.items.map(\.item) }
        return out
    }

    func hitShare(_ lists: [String: [String]], _ targets: [String: String]) -> Double {
        let hits = targets.filter { lists[$0.key]?.contains($0.value) ?? false }.count
        return Double(hits) / Double(max(1, targets.count))
    }

    @Test("planted habits: with the fusion fitted on validation, hybrid lists rank the habit's next item in the top 10, MF lists do not")
    func plantedHabits() throws {
        let base = try HabitFixture()
        // The fusion weights are fitted on validation (each user's last event held out), not set by hand.
        let fusion = try base.fittedFusion()
        print("fitted fusion: MF \(fusion.mfWeight), session \(fusion.sessionWeight)")
        let fixture = try base.with(fusion: fusion)
        let targets = fixture.usersInHabit()
        try #require(targets.count >= 20)
        let hybrid = try fixture.core(session: true)
        let plain = try fixture.core(session: false)
        let hybridLists = lists(hybrid)
        let hybridShare = hitShare(hybridLists, targets)
        let plainShare = hitShare(lists(plain), targets)
        print("habit next item in top 10: hybrid \(hybridShare), MF \(plainShare), \(targets.count) users")
        #expect(hybridShare >= 0.7)
        #expect(plainShare <= 0.3)
        #expect(hybrid.usesSessionModel && !plain.usesSessionModel)
        // Published lists never hold seen items.
        for (user, items) in hybridLists {
            let seen = Set(fixture.events.filter { $0.user == user }.map(\.item))
            #expect(Set(items).isDisjoint(with: seen))
        }
    }

    @Test("session state is bounded: at most max_users windows, the idle ones dropped and counted")
    func boundedState() throws {
        let fixture = try HabitFixture(users: 60, items: 50, count: 600)
        let core = try fixture.core(session: true) { $0.session.maxUsers = 20 }
        let stats = try #require(core.sessionStatistics)
        #expect(stats.users <= 20)
        #expect(stats.droppedStates > 0)
        #expect(stats.bytes > 0)
        let window = fixture.snapshot.model.configuration.windowLength
        #expect(stats.bytes >= stats.users * window * 13)
    }

    @Test("items the session model does not know never enter windows; the record names what ranked each list")
    func unknownItems() throws {
        let fixture = try HabitFixture(users: 30, items: 40, count: 300)
        var c = EngineConfiguration()
        c.session.snapshot = fixture.snapshot
        let core = RecommenderCore(configuration: c)
        for k in 0..<20 {
            try core.apply(Event(user: "other", item: "i\(k)", type: .click, timestampMs: Int64(k)), source: .none)
        }
        #expect(core.rankedBy(try #require(core.users.index(of: "other"))) == "hybrid")
        // Only unknown items: no window, so the user is cold (popularity) until MF has history.
        for k in 0..<2 {
            try core.apply(Event(user: "x", item: "new\(k)", type: .click, timestampMs: Int64(1_000 + k)), source: .none)
        }
        #expect(core.sessionStatistics?.users == 1)
        let x = try #require(core.users.index(of: "x"))
        #expect(core.rankedBy(x) == "popularity")
        #expect(core.currentList(for: "x", k: 10, wallClockMs: 0)?.model == "popularity")
        // One known item opens a window; with 3 events the user also has MF history.
        try core.apply(Event(user: "x", item: "i3", type: .click, timestampMs: 2_000), source: .none)
        #expect(core.sessionStatistics?.users == 2)
        #expect(core.rankedBy(x) == "hybrid")
        let list = try #require(core.currentList(for: "x", k: 10, wallClockMs: 0))
        #expect(list.model == "hybrid")
        let items = list.items.map(\.item)
        #expect(items.count == 10)
        #expect(!items.contains("i3") && !items.contains("new0") && !items.contains("new1"))
        // Without a session model the same user is ranked by MF and says so.
        let plain = RecommenderCore(configuration: EngineConfiguration())
        for k in 0..<3 {
            try plain.apply(Event(user: "x", item: "i\(k)", type: .click, timestampMs: Int64(k)), source: .none)
        }
        try plain.apply(Event(user: "y", item: "i9", type: .click, timestampMs: 9), source: .none)
        #expect(plain.currentList(for: "x", k: 5, wallClockMs: 0)?.model == "bmf")
        #expect(plain.currentList(for: "y", k: 5, wallClockMs: 0)?.model == "popularity")
    }

    @Test("a checkpoint keeps the windows: the restored core publishes the same lists")
    func checkpointRoundTrip() throws {
        let fixture = try HabitFixture(users: 40, items: 60, count: 800)
        var c = EngineConfiguration()
        c.session.snapshot = fixture.snapshot
        let core = try fixture.core(session: true)
        let bytes = core.checkpoint(offsets: [:], writtenAtMs: 0).encoded()
        let (restored, _) = try RecommenderCore.restore(from: SnapshotReader(bytes: bytes), configuration: c)
        #expect(restored.sessionStatistics?.users == core.sessionStatistics?.users)
        // Mark everyone dirty in both by re-listing through currentList.
        for user in core.users.ids.prefix(20) {
            let a = core.currentList(for: user, k: 10, wallClockMs: 0)?.items.map(\.item)
            let b = restored.currentList(for: user, k: 10, wallClockMs: 0)?.items.map(\.item)
            #expect(a == b)
        }
    }

    @Test("session snapshot sections round-trip; a damaged model section is refused with its name")
    func snapshotRoundTrip() throws {
        let fixture = try HabitFixture(users: 20, items: 30, count: 200, fusion: HybridFusion(mfWeight: 0.3, sessionWeight: 0.7))
        var writer = SnapshotWriter()
        fixture.snapshot.write(into: &writer)
        let back = try SessionSnapshot(reader: SnapshotReader(bytes: writer.encoded()))
        #expect(back.fusion == HybridFusion(mfWeight: 0.3, sessionWeight: 0.7))
        #expect(back.itemIds == fixture.snapshot.itemIds)
        #expect(back.model.weights() == fixture.snapshot.model.weights())
        var bad = SnapshotWriter()
        fixture.snapshot.write(into: &bad)
        bad.addSection(SessionSnapshot.sections.model, bytes: Array(fixture.snapshot.model.serialize().dropLast(3)))
        #expect {
            try SessionSnapshot(reader: SnapshotReader(bytes: bad.encoded()))
        } throws: { String(describing: $0).contains("session.bigru") }
    }
}
