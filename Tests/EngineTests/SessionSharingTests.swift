import Engine
import Events
import Foundation
import Models
import Testing

@Suite("The session encoder shared by a group")
struct SessionSharingTests {
    @Test("a member that does not train installs the trainer's model and ranks as it does")
    func installPublished() throws {
        let fixture = LearningFixture()
        let trainer = RecommenderCore(configuration: fixture.configuration())
        let loader = RecommenderCore(configuration: fixture.configuration())
        loader.sessionTrainsHere = false
        try fixture.feed(trainer, 0..<1_500)
        try fixture.feed(loader, 0..<1_500)
        #expect(try trainer.trainSessionModelNow())
        #expect(loader.takeSessionModelToPublish() == nil)
        let user = fixture.events[1_499].user
        #expect(loader.currentList(for: user, k: 10, wallClockMs: 0)?.model == "bmf")
        let (version, bytes) = try #require(trainer.takeSessionModelToPublish())
        #expect(version == trainer.sessionModelVersion && version == 2)
        // Handed out once per version.
        #expect(trainer.takeSessionModelToPublish() == nil)
        #expect(try loader.installSharedSessionModel(bytes) == version)
        #expect(loader.sessionModelVersion == version && loader.sharedSessionModelsInstalled == 1)
        // Same events, same MF, same session model: the same lists.
        for u in Set(fixture.events[1_000..<1_500].map(\.user)).sorted().prefix(20) {
            let a = try #require(trainer.currentList(for: u, k: 10, wallClockMs: 0))
            let b = try #require(loader.currentList(for: u, k: 10, wallClockMs: 0))
            #expect(a.model == "hybrid" && b.model == "hybrid")
            #expect(a.items.map(\.item) == b.items.map(\.item))
        }
        // An older or the same version is not installed again.
        #expect(try loader.installSharedSessionModel(bytes) == nil)
        #expect(loader.sharedSessionModelsInstalled == 1)
    }

    @Test("a member that does not train takes no rounds; a shared model is its warm start when it starts to train")
    func noRoundsWhileLoading() throws {
        let fixture = LearningFixture()
        let loader = RecommenderCore(configuration: fixture.configuration { $0.session.learning.trainEveryEvents = 200 })
        loader.sessionTrainsHere = false
        try fixture.feed(loader, 0..<1_500)
        _ = loader.refresh(nowMs: 0, wallClockMs: 1, force: true) { _ in }
        loader.waitForSessionModel()
        #expect(loader.sessionModelVersion == 0)
        #expect(loader.sessionLearningStatistics?.rounds == 0)
        let trainer = RecommenderCore(configuration: fixture.configuration())
        try fixture.feed(trainer, 0..<1_500)
        try trainer.trainSessionModelNow()
        let (_, bytes) = try #require(trainer.takeSessionModelToPublish())
        try loader.installSharedSessionModel(bytes)
        loader.sessionTrainsHere = true
        #expect(try loader.trainSessionModelNow())
        #expect(loader.sessionModelVersion == 3)
    }

    @Test("bytes that are not a shared model, or one of another width, are refused")
    func refusesBadModels() throws {
        let fixture = LearningFixture()
        let loader = RecommenderCore(configuration: fixture.configuration())
        #expect(throws: (any Error).self) { try loader.installSharedSessionModel(Array("not a model".utf8)) }
        let wide = RecommenderCore(configuration: fixture.configuration {
            $0.session.learning.model = SessionModelConfiguration(itemCount: 1, embeddingDimension: 12, hiddenSize: 8, windowLength: 6, seed: 3)
        })
        try fixture.feed(wide, 0..<800)
        try wide.trainSessionModelNow()
        let (_, bytes) = try #require(wide.takeSessionModelToPublish())
        try fixture.feed(loader, 0..<800)
        #expect(throws: SnapshotError.self) { try loader.installSharedSessionModel(bytes) }
        #expect(loader.sessionModelVersion == 0)
    }
}
