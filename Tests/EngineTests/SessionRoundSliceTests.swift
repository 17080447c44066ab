@testable import Engine
import Events
import Models
import Testing

@Suite("A training round taken a slice of windows per refresh")
struct SessionRoundSliceTests {
    /// A core fed the fixture's first 2,000 events.
    func fedCore(_ fixture: LearningFixture) throws -> RecommenderCore {
        let core = RecommenderCore(configuration: fixture.configuration())
        try fixture.feed(core, 0..<2_000)
        return core
    }

    @Test("packed 7 users at a time, the round holds the same windows and warm notes as taken at once")
    func slicesEqualWhole() throws {
        let fixture = LearningFixture()
        let whole = try fedCore(fixture), sliced = try fedCore(fixture)
        let wholeSession = try #require(whole.session), slicedSession = try #require(sliced.session)
        let learning = try #require(wholeSession.learning)
        let expected = try #require(whole.makeSessionRound(wholeSession, learning))
        var draft = try #require(sliced.beginSessionRound(slicedSession, learning, idle: false))
        var slices = 0
        while !draft.packed(maxExamples: learning.maxExamplesPerRound) {
            sliced.packWindows(&draft, slicedSession, learning, users: 7)
            slices += 1
        }
        let round = sliced.finishSessionRound(draft, slicedSession, learning)
        #expect(slices >= 5, "\(slices) slices")
        #expect(round.pack.count == expected.pack.count && round.pack.count > 20)
        #expect(round.pack.sequences.map { $0.map(\.item) } == expected.pack.sequences.map { $0.map(\.item) })
        #expect(round.pack.sequences.map { $0.map(\.timestampMs) } == expected.pack.sequences.map { $0.map(\.timestampMs) })
        #expect(round.warm.rows == expected.warm.rows && round.warm.steps == expected.warm.steps)
        #expect(round.version == expected.version && round.replayUsers == expected.replayUsers)
    }

    @Test("the trainer thread gets a round taken over several refreshes, and its model is installed")
    func threadedSlices() throws {
        let fixture = LearningFixture()
        let core = RecommenderCore(configuration: fixture.configuration { $0.session.learning.trainEveryEvents = 800 })
        core.session?.learningState.packUsersPerRefresh = 5
        var sawDraft = false
        for i in 0..<2_400 {
            try core.apply(fixture.events[i], source: EventSource(partition: 0, offset: Int64(i)))
            if i % 50 == 49 {
                _ = core.refresh(nowMs: Int64(i), wallClockMs: 0) { _ in }
                if core.session?.learningState.draft != nil { sawDraft = true }
            }
        }
        // Refreshes until the round in progress is whole and handed over.
        while core.session?.learningState.draft != nil { _ = core.refresh(nowMs: 3_000, wallClockMs: 0) { _ in } }
        core.waitForSessionModel()
        #expect(sawDraft)
        let stats = try #require(core.sessionLearningStatistics)
        #expect(stats.modelVersion >= 2)
        #expect(stats.sequencesTrained > 0)
    }
}
