@testable import Engine
import Foundation
@testable import Models
import Testing

/// Idle rounds with `session.idle_averaging`: the mean of the models they trained serves, and
/// each goes on from the last one's own weights.
@Suite("Idle rounds serve the mean of their models")
struct SessionIdleAveragingTests {
    static let t0: Int64 = 1_800_000_000_000

    /// A core (rounds every 1,000 events, no interval rounds, idle rounds without the patience
    /// rule) fed 1,500 events, with the regular round they make installed at `t0`.
    private func afterFirstRound(_ fixture: LearningFixture, averaging: Bool, idleRounds: Int = 3) throws -> RecommenderCore {
        let core = RecommenderCore(configuration: fixture.configuration {
            $0.session.learning.trainEveryEvents = 1_000
            $0.session.learning.trainIntervalSeconds = 3_600
            $0.session.learning.idleRounds = idleRounds
            $0.session.learning.idlePatience = 100
            $0.session.learning.idleAveraging = averaging
        })
        try fixture.feed(core, 0..<1_500)
        core.refreshAndInstall(atMs: Self.t0)
        return core
    }

    private func weights(_ model: BiGRUSessionModel) -> [Float] { (0..<model.parameterCount).map { model.parameters[$0] } }

    @Test("after each idle round the serving model is the mean of the idle rounds' own models, and the next idle round starts from the last of them")
    func meanServes() throws {
        let fixture = LearningFixture()
        let core = try afterFirstRound(fixture, averaging: true)
        let session = try #require(core.session)
        let learning = try #require(session.learning)
        let regular = session.model
        var trained: [[Float]] = []
        for k in 1...3 {
            core.refreshAndInstall(atMs: Self.t0 + 1_000 + Int64(k) * 100)
            #expect(core.sessionLearningStatistics?.idleRounds == Int64(k))
            let average = try #require(session.learningState.idleAverage, "idle round \(k) left no mean")
            #expect(average.count == k)
            #expect(average.model === session.model, "the mean does not serve")
            trained.append(weights(average.iterate))
            let served = weights(session.model)
            var moved = 0
            for i in served.indices {
                let mean = trained.reduce(0) { $0 + $1[i] } / Float(k)
                #expect(abs(served[i] - mean) <= 1e-5 * max(1, abs(mean)), "weight \(i) after idle round \(k)")
                if trained[k - 1][i] != served[i] { moved += 1 }
            }
            if k > 1 { #expect(moved > served.count / 2, "the mean equals the last round's model: nothing was averaged") }
        }
        #expect(session.model !== regular)
        // The next idle round goes on from the last idle round's own weights, not from the mean.
        let draft = try #require(core.beginSessionRound(session, learning, idle: true))
        #expect(draft.round.joinsAverage)
        #expect(draft.round.warmStart === session.learningState.idleAverage?.iterate)
        #expect(draft.round.warmStart !== session.model)
    }

    @Test("a regular round ends the mean: its model serves alone and the next idle rounds start a new mean")
    func regularRoundEndsMean() throws {
        let fixture = LearningFixture()
        let core = try afterFirstRound(fixture, averaging: true, idleRounds: 2)
        core.refreshAndInstall(atMs: Self.t0 + 1_100)
        core.refreshAndInstall(atMs: Self.t0 + 1_200)
        let session = try #require(core.session)
        #expect(session.learningState.idleAverage?.count == 2)
        try fixture.feed(core, 1_500..<2_600)
        core.refreshAndInstall(atMs: Self.t0 + 10_000)
        #expect(core.sessionLearningStatistics?.idleRounds == 2)
        #expect(session.learningState.idleAverage == nil, "a regular round's model was taken for a mean")
        core.refreshAndInstall(atMs: Self.t0 + 11_000)
        #expect(core.sessionLearningStatistics?.idleRounds == 3)
        #expect(session.learningState.idleAverage?.count == 1)
    }

    @Test("a model installed otherwise (a reloaded snapshot) ends the mean: the next idle round starts from it")
    func reloadEndsMean() throws {
        let fixture = LearningFixture()
        let core = try afterFirstRound(fixture, averaging: true)
        core.refreshAndInstall(atMs: Self.t0 + 1_100)
        core.refreshAndInstall(atMs: Self.t0 + 1_200)
        let session = try #require(core.session)
        let learning = try #require(session.learning)
        #expect(session.learningState.idleAverage?.count == 2)
        let ids = core.sessionVocabulary
        var c = session.model.configuration
        c.itemCount = ids.count
        c.seed = 99
        var next = fixture.configuration().session
        next.snapshot = try SessionSnapshot(model: try BiGRUSessionModel(configuration: c), itemIds: ids,
                                            fusion: HybridFusion(mfWeight: 0.3, sessionWeight: 0.7))
        _ = core.reloadSession(next, snapshotChanged: true)
        let draft = try #require(core.beginSessionRound(session, learning, idle: true))
        #expect(draft.round.joinsAverage)
        #expect(draft.round.average == nil, "the mean of the models before the reload would go on")
        #expect(draft.round.warmStart === session.model)
    }

    @Test("session.idle_averaging false: each idle round's own model serves and the next starts from it")
    func off() throws {
        let fixture = LearningFixture()
        let core = try afterFirstRound(fixture, averaging: false)
        let session = try #require(core.session)
        let learning = try #require(session.learning)
        core.refreshAndInstall(atMs: Self.t0 + 1_100)
        core.refreshAndInstall(atMs: Self.t0 + 1_200)
        #expect(core.sessionLearningStatistics?.idleRounds == 2)
        #expect(session.learningState.idleAverage == nil)
        let draft = try #require(core.beginSessionRound(session, learning, idle: true))
        #expect(!draft.round.joinsAverage)
        #expect(draft.round.warmStart === session.model)
    }
}
