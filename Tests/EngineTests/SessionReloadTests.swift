import Engine
import Events
import Foundation
import Linalg
import Models
import Testing

@Suite("Session settings and snapshot reloaded while running")
struct SessionReloadTests {
    @Test("live keys change and are reported; keys that need a restart are named and left alone")
    func liveKeys() throws {
        let fixture = LearningFixture()
        let core = RecommenderCore(configuration: fixture.configuration())
        try fixture.feed(core, 0..<500)
        var next = fixture.configuration().session
        next.learning.trainEveryEvents = 1_000
        next.learning.validationUsers = 3
        next.learning.model.loss = .sampledSoftmax(negatives: 64)
        next.learning.idleRounds = 4
        next.learning.idleLoss = .sampledSoftmax(negatives: 32)
        next.learning.idleAveraging = false
        next.maxUsers = 7
        let notes = core.reloadSession(next, snapshotChanged: false)
        #expect(notes == ["session.max_users changed; it takes effect after a restart",
                          "session.train_every_events: 20000 -> 1000", "session.train_negatives: 0 -> 64",
                          "session.validation_users: 16 -> 3", "session.idle_rounds: 20 -> 4",
                          "session.idle_averaging: true -> false", "session.idle_train_negatives: 0 -> 32"])
        #expect(core.reloadSession(next, snapshotChanged: false) == ["session.max_users changed; it takes effect after a restart"])
    }

    @Test("a reloaded snapshot serves at once, mapped onto the vocabulary by item id")
    func snapshotReload() throws {
        let fixture = LearningFixture()
        let core = RecommenderCore(configuration: fixture.configuration())
        try fixture.feed(core, 0..<1_500)
        try core.trainSessionModelNow()
        let before = try #require(core.sessionLearningStatistics?.modelVersion)
        // A snapshot over the same ids in another order, plus one id the stream never had.
        let ids = ["never-seen"] + (0..<60).reversed().map { "i\($0)" }
        let learned = fixture.configuration().session.learning.model
        var c = learned
        c.itemCount = ids.count
        let model = try BiGRUSessionModel(configuration: c)
        var next = fixture.configuration().session
        next.snapshot = try SessionSnapshot(model: model, itemIds: ids, fusion: HybridFusion(mfWeight: 0.3, sessionWeight: 0.7))
        let notes = core.reloadSession(next, snapshotChanged: true)
        #expect(notes.count == 1 && notes[0].hasPrefix("session.model: snapshot loaded (61 items"))
        #expect(core.sessionLearningStatistics?.modelVersion == before + 1)
        let vocabulary = core.sessionVocabulary
        #expect(vocabulary.contains("never-seen"))
        let position = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
        var workspace = SessionWorkspace(configuration: model.configuration)
        for user in Set(fixture.events[0..<1_500].map(\.user)).sorted().prefix(10) {
            let steps = try #require(core.sessionWindow(for: user))
            var w = SessionWindow(capacity: c.windowLength)
            for s in steps {
                w.append(SessionStep(item: Int32(position[vocabulary[Int(s.item)]]!), type: s.type, timestampMs: s.timestampMs))
            }
            var expected = [Float](repeating: 0, count: model.sessionDimension)
            expected.withUnsafeMutableBufferPointer { model.encode(window: w, workspace: &workspace, into: $0.baseAddress!) }
            let got = try #require(core.sessionVector(for: user))
            #expect(zip(got, expected).allSatisfy { abs($0 - $1) < 1e-4 }, "user \(user)")
        }
        // The trainer continues from it.
        try core.trainSessionModelNow()
        #expect(core.sessionLearningStatistics?.modelVersion == before + 2)
    }
}
