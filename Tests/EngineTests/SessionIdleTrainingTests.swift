@testable import Engine
import Events
import Foundation
import Linalg
import Testing

/// Rounds the trainer runs while the stream is quiet (`session.idle_rounds`): more passes over the
/// replay buffer on the core the stream leaves idle, within a budget that new events renew.
@Suite("Idle training rounds")
struct SessionIdleTrainingTests {
    static let t0: Int64 = 1_800_000_000_000

    private func stats(_ core: RecommenderCore) throws -> SessionLearningStatistics {
        try #require(core.sessionLearningStatistics)
    }

    /// Refreshes `count` times, `stepMs` apart from `fromMs`, installing each round handed out.
    private func quiet(_ core: RecommenderCore, fromMs: Int64, count: Int, stepMs: Int64 = 100) {
        for k in 0..<count { core.refreshAndInstall(atMs: fromMs + Int64(k) * stepMs) }
    }

    /// A core (rounds every 1,000 events) fed the fixture's first 1,500 events, with the regular
    /// round they make installed at `t0`.
    private func afterFirstRound(_ fixture: LearningFixture, idleRounds: Int) throws -> RecommenderCore {
        let core = makeCore(fixture, idleRounds: idleRounds)
        try fixture.feed(core, 0..<1_500)
        core.refreshAndInstall(atMs: Self.t0)
        return core
    }

    /// Feeds 2,100 events to a core taking a round every 700 (installed at `t0`, + 100 and + 200
    /// ms): the armed users come back between the rounds, so the last one refits on held-out events.
    private func threeRegularRounds(_ core: RecommenderCore, _ fixture: LearningFixture) throws {
        try fixture.feed(core, 0..<700)
        core.refreshAndInstall(atMs: Self.t0)
        try fixture.feed(core, 700..<1_400)
        core.refreshAndInstall(atMs: Self.t0 + 100)
        try fixture.feed(core, 1_400..<2_100)
        core.refreshAndInstall(atMs: Self.t0 + 200)
    }

    /// A core with two MF passes and this idle-round budget after `threeRegularRounds`, its passes
    /// run to their end on the quiet stream (before any idle round), and its fixture.
    private func passesAfterThreeRounds(idleRounds: Int) throws -> (RecommenderCore, LearningFixture) {
        let fixture = LearningFixture()
        let core = RecommenderCore(configuration: fixture.configuration {
            $0.session.learning.trainEveryEvents = 700
            $0.session.learning.trainIntervalSeconds = 3_600
            $0.session.learning.idleRounds = idleRounds
            $0.idleEpochs = 2
        })
        try threeRegularRounds(core, fixture)
        _ = core.replayWhileQuiet(wallClockMs: Self.t0 + 200)
        for _ in 0..<1_000 where core.replayWhileQuiet(wallClockMs: Self.t0 + 1_300, budgetMs: 10_000) {}
        #expect(core.mfIdleEpochs == 2)
        return (core, fixture)
    }

    /// A learning core with rounds every `every` events (no interval rounds) and this idle budget.
    private func makeCore(_ fixture: LearningFixture, every: Int = 1_000, idleRounds: Int, patience: Int = 100) -> RecommenderCore {
        RecommenderCore(configuration: fixture.configuration {
            $0.session.learning.trainEveryEvents = every
            $0.session.learning.trainIntervalSeconds = 3_600
            $0.session.learning.idleRounds = idleRounds
            $0.session.learning.idlePatience = patience
        })
    }

    @Test("a quiet stream gets idle rounds up to the budget, none before a second of quiet, and new events renew the budget")
    func budgetAndRenewal() throws {
        let fixture = LearningFixture()
        let core = try afterFirstRound(fixture, idleRounds: 3)
        #expect(try stats(core).rounds == 1)
        #expect(try stats(core).idleTrainingOver == false)
        core.refreshAndInstall(atMs: Self.t0 + 999)  // not yet a second without events
        #expect(try stats(core).rounds == 1)
        #expect(try stats(core).idleRounds == 0)
        quiet(core, fromMs: Self.t0 + 1_000, count: 6)
        var s = try stats(core)
        #expect(s.idleRounds == 3)
        #expect(s.rounds == 4)
        #expect(s.idleTrainingOver)
        #expect(s.modelVersion == 5)

        // 1,100 new events: a regular round renews the budget, then the quiet takes three more.
        try fixture.feed(core, 1_500..<2_600)
        core.refreshAndInstall(atMs: Self.t0 + 10_000)
        #expect(try stats(core).rounds == 5)
        quiet(core, fromMs: Self.t0 + 11_000, count: 6)
        s = try stats(core)
        #expect(s.idleRounds == 6)
        #expect(s.rounds == 8)
    }

    @Test("fewer new events than a round's worth do not renew the budget")
    func trickleDoesNotRenew() throws {
        let fixture = LearningFixture()
        let core = try afterFirstRound(fixture, idleRounds: 2)
        quiet(core, fromMs: Self.t0 + 1_000, count: 4)
        #expect(try stats(core).idleRounds == 2)
        // 300 events, then quiet again: the budget stays spent.
        try fixture.feed(core, 1_500..<1_800)
        core.refreshAndInstall(atMs: Self.t0 + 5_000)
        quiet(core, fromMs: Self.t0 + 6_000, count: 4)
        let s = try stats(core)
        #expect(s.idleRounds == 2)
        #expect(s.rounds == 3)
    }

    @Test("idle rounds measure again on the last held-out events (the fusion refits, NDCG@10 reported)")
    func idleRoundsValidate() throws {
        let fixture = LearningFixture()
        let core = makeCore(fixture, every: 700, idleRounds: 2)
        try threeRegularRounds(core, fixture)
        let measured = try #require(try stats(core).lastValidationNDCG10, "no held-out events before the quiet")
        #expect(measured >= 0 && measured <= 1)
        let shareBefore = try #require(core.servingSessionFusion?.sessionShare)
        core.refreshAndInstall(atMs: Self.t0 + 1_300)
        let s = try stats(core)
        #expect(s.idleRounds == 1)
        let again = try #require(s.lastValidationNDCG10, "the idle round did not measure on the last held-out events")
        #expect(again >= 0 && again <= 1)
        // The fusion moved halfway towards the weight fitted on those events again.
        #expect(core.servingSessionFusion?.sessionShare != shareBefore)
    }

    @Test("once the MF passes moved MF after the held-out events were captured, idle rounds keep the fusion and measure under it")
    func passesKeepFusion() throws {
        let (core, _) = try passesAfterThreeRounds(idleRounds: 2)
        #expect(try stats(core).lastValidationNDCG10 != nil, "no held-out events before the quiet")
        let shareBefore = try #require(core.servingSessionFusion?.sessionShare)
        quiet(core, fromMs: Self.t0 + 1_300, count: 4)
        let s = try stats(core)
        #expect(s.idleRounds == 2)
        let again = try #require(s.lastValidationNDCG10, "the idle rounds did not measure on the last held-out events")
        #expect(again >= 0 && again <= 1)
        #expect(core.servingSessionFusion?.sessionShare == shareBefore)
    }

    @Test("held-out events captured after the MF passes see the MF that serves: the next regular round refits the fusion")
    func capturedAfterPassesRefit() throws {
        // The passes run while the held-out set the last round armed is still empty.
        let (core, fixture) = try passesAfterThreeRounds(idleRounds: 0)
        let session = try #require(core.session)
        let learning = try #require(session.learning)
        try fixture.feed(core, 2_100..<2_800)
        #expect(session.heldOut.count > 0)
        let round = try #require(core.makeSessionRound(session, learning))
        let validates = round.validation != nil, refits = round.refitFusion
        #expect(validates)
        #expect(refits, "the round would not refit on events captured after the passes")
    }

    @Test("session.idle_rounds 0: a quiet stream takes no round")
    func idleOff() throws {
        let fixture = LearningFixture()
        let core = try afterFirstRound(fixture, idleRounds: 0)
        quiet(core, fromMs: Self.t0 + 1_000, count: 4, stepMs: 500)
        let s = try stats(core)
        #expect(s.rounds == 1)
        #expect(s.idleRounds == 0)
        #expect(s.idleTrainingOver)
    }

    @Test("negative idle settings are refused")
    func validation() {
        var c = SessionLearningConfiguration()
        c.idleRounds = -1
        #expect(throws: SessionLearningError.self) { try c.validate() }
        c.idleRounds = 5
        c.idlePatience = 0
        #expect(throws: SessionLearningError.self) { try c.validate() }
    }
}
