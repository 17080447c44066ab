@testable import Engine
import Events
import Foundation
import Linalg
import Models
import Testing

/// An engine that trains its session model, on a stream with planted item-to-item habits.
struct LearningFixture {
    let events: [Event]

    init(users: Int = 80, items: Int = 60, count: Int = 3_000, seed: UInt64 = 7) {
        var generator = EventGenerator(configuration: GeneratorConfiguration(users: users, items: items, habitProbability: 0.6, seed: seed))
        events = generator.generate(count: count)
    }

    func configuration(_ tweak: (inout EngineConfiguration) -> Void = { _ in }) -> EngineConfiguration {
        var c = EngineConfiguration()
        c.session.learning.enabled = true
        c.session.learning.model = SessionModelConfiguration(itemCount: 1, embeddingDimension: 8, hiddenSize: 8, windowLength: 6,
                                                             typeCount: 5, typeEmbeddingDimension: 2, gapEmbeddingDimension: 2,
                                                             dropout: 0, learningRate: 0.01, batchSize: 64, seed: 3)
        c.session.learning.maxExamplesPerRound = 2_000
        c.session.learning.validationUsers = 16
        tweak(&c)
        return c
    }

    func feed(_ core: RecommenderCore, _ range: Range<Int>) throws {
        for i in range { try core.apply(events[i], source: EventSource(partition: 0, offset: Int64(i))) }
    }
}

extension RecommenderCore {
    /// Refreshes at `wallClockMs` and installs the round this handed the trainer, if any (tests).
    func refreshAndInstall(atMs wallClockMs: Int64) {
        _ = refresh(nowMs: wallClockMs, wallClockMs: wallClockMs) { _ in }
        waitForSessionModel()
    }
}

@Suite("The session model trained inside the engine")
struct SessionLearningTests {
    @Test("until the first round the engine ranks by MF alone; then lists are hybrid; the next round validates on events captured before anything learned from them")
    func mfAloneUntilFirstModel() throws {
        let fixture = LearningFixture()
        let core = RecommenderCore(configuration: fixture.configuration())
        try fixture.feed(core, 0..<1_500)
        let user = fixture.events[1_499].user
        #expect(core.servingSessionModel == nil)
        #expect(core.currentList(for: user, k: 10, wallClockMs: 0)?.model == "bmf")
        #expect(core.sessionLearningStatistics?.modelVersion == 0)
        #expect(try core.trainSessionModelNow())
        let stats = try #require(core.sessionLearningStatistics)
        #expect(stats.modelVersion == 2 && stats.rounds == 1)
        #expect(stats.modelItems == stats.vocabularyItems && stats.vocabularyItems == core.items.count)
        // Nothing was held out yet: the first round keeps the default fusion and has no NDCG.
        #expect(stats.lastValidationNDCG10 == nil)
        #expect(core.currentList(for: user, k: 10, wallClockMs: 0)?.model == "hybrid")
        try fixture.feed(core, 1_500..<2_500)
        try core.trainSessionModelNow()
        let ndcg = try #require(core.sessionLearningStatistics?.lastValidationNDCG10)
        #expect(ndcg > 0 && ndcg <= 1)
    }

    @Test("held-out events add up over rounds until there are enough to refit the fusion on")
    func heldOutAddsUp() throws {
        let fixture = LearningFixture()
        let core = RecommenderCore(configuration: fixture.configuration())
        var offset: Int64 = 0
        var rng = SeededGenerator(seed: 5)
        func event(_ u: Int) throws {
            let e = Event(user: "u\(u)", item: "i\(rng.nextInt(below: 60))", type: .click, timestampMs: 1_700_000_000_000 + offset)
            try core.apply(e, source: EventSource(partition: 0, offset: offset))
            offset += 1
        }
        // 60 users with 10 events each, in turn: all have MF history; the newest are u59, u58, ...
        for _ in 0..<10 { for u in 0..<60 { try event(u) } }
        // The first round arms the 15 newest users (a quarter of the pool): u45 ... u59. A refit
        // needs a quarter of session.validation_users (16): 4 held-out events.
        #expect(try core.trainSessionModelNow())
        // Two of them come back, and ten users who were not armed.
        for u in [59, 58] + Array(0..<10) { try event(u) }
        #expect(try core.trainSessionModelNow())
        #expect(core.sessionLearningStatistics?.lastValidationNDCG10 == nil)
        // Two more of the first armed users come back: with the two kept from before, enough.
        for u in [57, 56] { try event(u) }
        #expect(try core.trainSessionModelNow())
        let ndcg = try #require(core.sessionLearningStatistics?.lastValidationNDCG10)
        #expect(ndcg >= 0 && ndcg <= 1)
    }

    @Test("windows record the event types; items new to the model are in windows and score 0 until a round grows the model")
    func typesAndVocabularyGrowth() throws {
        let fixture = LearningFixture()
        let core = RecommenderCore(configuration: fixture.configuration())
        try fixture.feed(core, 0..<1_000)
        try core.apply(Event(user: "typed", item: "i1", type: .view, timestampMs: 10), source: .none)
        try core.apply(Event(user: "typed", item: "i2", type: .purchase, timestampMs: 20), source: .none)
        #expect(core.sessionWindow(for: "typed")?.map(\.type) == [EventType.view.rawValue, EventType.purchase.rawValue])
        try core.trainSessionModelNow()
        let first = try #require(core.servingSessionModel)
        let known = first.itemCount
        try core.apply(Event(user: "typed", item: "brand-new", type: .click, timestampMs: 30), source: .none)
        let stats = try #require(core.sessionLearningStatistics)
        #expect(stats.vocabularyItems == known + 1 && stats.modelItems == known)
        #expect(core.sessionWindow(for: "typed")?.last?.item == Int32(known))
        // The new item is left out by the serving model: the vector is that of the window without it.
        var workspace = SessionWorkspace(configuration: first.configuration)
        var without = SessionWindow(capacity: first.configuration.windowLength)
        for s in core.sessionWindow(for: "typed")!.dropLast() { without.append(s) }
        var expected = [Float](repeating: 0, count: first.sessionDimension)
        expected.withUnsafeMutableBufferPointer { first.encode(window: without, workspace: &workspace, into: $0.baseAddress!) }
        let got = try #require(core.sessionVector(for: "typed"))
        #expect(zip(got, expected).allSatisfy { abs($0 - $1) < 1e-4 })
        try core.trainSessionModelNow()
        #expect(core.servingSessionModel?.itemCount == known + 1)
    }

    @Test("right after a swap every vector is the new model's encode of the window, none the old one's")
    func swapNeverMixes() throws {
        let fixture = LearningFixture()
        let core = RecommenderCore(configuration: fixture.configuration())
        try fixture.feed(core, 0..<1_500)
        try core.trainSessionModelNow()
        let a = try #require(core.servingSessionModel)
        let users = Set(fixture.events[0..<1_500].map(\.user)).sorted()
        // Every vector encoded (and cached) with model A.
        _ = core.refresh(nowMs: 0, wallClockMs: 0, force: true) { _ in }
        for u in users { _ = core.sessionVector(for: u) }
        try fixture.feed(core, 1_500..<2_000)
        try core.trainSessionModelNow()
        let b = try #require(core.servingSessionModel)
        #expect(a !== b)
        #expect(a.weights() != b.weights())
        var workspace = SessionWorkspace(configuration: b.configuration)
        var differsFromA = 0
        for u in users {
            let steps = try #require(core.sessionWindow(for: u))
            var w = SessionWindow(capacity: b.configuration.windowLength)
            for s in steps { w.append(s) }
            var eb = [Float](repeating: 0, count: b.sessionDimension), ea = eb
            eb.withUnsafeMutableBufferPointer { b.encode(window: w, workspace: &workspace, into: $0.baseAddress!) }
            ea.withUnsafeMutableBufferPointer { a.encode(window: w, workspace: &workspace, into: $0.baseAddress!) }
            let v = try #require(core.sessionVector(for: u))
            #expect(zip(v, eb).allSatisfy { abs($0 - $1) < 1e-4 }, "user \(u)")
            if zip(v, ea).contains(where: { abs($0 - $1) > 1e-3 }) { differsFromA += 1 }
        }
        #expect(differsFromA == users.count)
        // The lists a refresh emits after the swap are those model B ranks now.
        var emitted: [String: [String]] = [:]
        try fixture.feed(core, 2_000..<2_100)
        _ = core.refresh(nowMs: 10_000_000, wallClockMs: 0, force: true) { emitted[$0.user] = $0.items.map(\.item) }
        #expect(!emitted.isEmpty)
        for (user, items) in emitted {
            #expect(core.currentList(for: user, k: items.count, wallClockMs: 0)?.items.map(\.item) == items)
        }
    }

    @Test("a checkpoint restores the vocabulary, the serving model, the windows with their types, and the same lists")
    func restartRestores() throws {
        let fixture = LearningFixture()
        let core = RecommenderCore(configuration: fixture.configuration())
        try fixture.feed(core, 0..<2_000)
        try core.trainSessionModelNow()
        let bytes = core.checkpoint(offsets: [:], writtenAtMs: 0).encoded()
        let (restored, _) = try RecommenderCore.restore(from: SnapshotReader(bytes: bytes), configuration: fixture.configuration())
        #expect(restored.servingSessionModel.map { $0.weights() == core.servingSessionModel?.weights() } == true)
        #expect(restored.sessionLearningStatistics?.modelVersion == core.sessionLearningStatistics?.modelVersion)
        #expect(restored.sessionLearningStatistics?.vocabularyItems == core.sessionLearningStatistics?.vocabularyItems)
        for user in Set(fixture.events[0..<2_000].map(\.user)) {
            #expect(restored.sessionWindow(for: user) == core.sessionWindow(for: user))
            #expect(restored.sessionVector(for: user) == core.sessionVector(for: user))
            #expect(restored.currentList(for: user, k: 10, wallClockMs: 0)?.items.map(\.item)
                == core.currentList(for: user, k: 10, wallClockMs: 0)?.items.map(\.item))
        }
        // The restored one trains on from the restored model.
        try fixture.feed(restored, 2_000..<2_500)
        try restored.trainSessionModelNow()
        #expect(restored.sessionLearningStatistics?.modelVersion == (core.sessionLearningStatistics?.modelVersion ?? 0) + 1)
    }

    @Test("the trainer thread takes a round when enough events arrived, and the refresh installs its model")
    func threadedRounds() throws {
        let fixture = LearningFixture()
        let core = RecommenderCore(configuration: fixture.configuration { $0.session.learning.trainEveryEvents = 800 })
        var installed = false
        for i in 0..<fixture.events.count {
            try core.apply(fixture.events[i], source: EventSource(partition: 0, offset: Int64(i)))
            if i % 100 == 99 { _ = core.refresh(nowMs: Int64(i), wallClockMs: 0) { _ in } }
            if i == 1_000 {
                core.waitForSessionModel()
                installed = core.servingSessionModel != nil
            }
        }
        #expect(installed)
        core.waitForSessionModel()
        let stats = try #require(core.sessionLearningStatistics)
        #expect(stats.modelVersion >= 3)
        #expect(stats.rounds >= 2)
        #expect(stats.trainerCPUSeconds > 0)
        #expect(stats.sequencesTrained > 0)
        #expect(stats.replayUsers == 80)
        // Below the pipeline: the trainer thread took the idle scheduling policy.
        #expect(core.session?.learningState.learner?.totals.idlePolicy == true)
    }

    @Test("trained rounds learn the planted habits: NDCG@10 of the fused ranking on held-out events above 0.35")
    func learnsHabits() throws {
        let fixture = LearningFixture(users: 150, items: 80, count: 8_000)
        let core = RecommenderCore(configuration: fixture.configuration { $0.session.learning.maxExamplesPerRound = 6_000 })
        for chunk in 0..<4 {
            try fixture.feed(core, (chunk * 2_000)..<((chunk + 1) * 2_000))
            try core.trainSessionModelNow()
        }
        let ndcg = try #require(core.sessionLearningStatistics?.lastValidationNDCG10)
        print("validation NDCG@10 after 4 rounds: \(ndcg)")
        // Measured 0.50 on this stream; MF alone cannot follow the item-to-item habits.
        #expect(ndcg > 0.35)
    }
}
