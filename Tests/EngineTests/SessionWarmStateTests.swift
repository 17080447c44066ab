@testable import Engine
import Events
@testable import Models
import Testing

/// A new model's forward states of the windows its round trained on, handed over with it.
@Suite("Forward states a training round computes for its windows")
struct SessionWarmStateTests {
    @Test("after an install, the users a round trained on carry the new model's forward state; a later state in the same row, or more new steps than the window holds, start over")
    func carriedAfterInstall() throws {
        let fixture = LearningFixture()
        let core = RecommenderCore(configuration: fixture.configuration())
        try fixture.feed(core, 0..<1_500)
        #expect(try core.trainSessionModelNow())
        var offset: Int64 = 100_000
        func event(_ user: String, _ item: String) throws {
            try core.apply(Event(user: user, item: item, type: .click, timestampMs: offset), source: EventSource(partition: 0, offset: offset))
            offset += 1
        }
        // Two users with short windows (nothing will leave them), newest in the buffer.
        for user in ["w1", "w2"] { try event(user, "i3"); try event(user, "i7") }
        let session = try #require(core.session)
        let learning = try #require(session.learning)
        let window = learning.model.windowLength
        let round = try #require(core.makeSessionRound(session, learning))
        let noted = round.warm.rows.map { core.users.id(at: $0) }
        #expect(noted.contains("w1") && noted.contains("w2"))
        let others = noted.filter { !["w1", "w2"].contains($0) }
        let (many, reborn, one) = (others[0], others[1], others[2])
        // While the round trains: w1 and `one` take a step; `many` more than the window holds;
        // `reborn` is removed and comes back with as many steps as it had plus one (a new state
        // that the step count alone would not tell apart).
        try event("w1", "i11")
        try event(one, "i11")
        for k in 0...window { try event(many, "i\(k)") }
        let rebornSteps = round.warm.steps[try #require(noted.firstIndex(of: reborn))]
        #expect(core.removeUser(id: reborn))
        for k in 0...rebornSteps { try event(reborn, "i\(k % 40)") }
        let update = try SessionLearner.train(round)
        #expect(update.warm.isEncoded)
        session.install(model: update.model, fusion: update.fusion, encoder: update.encoder, version: update.version,
                        madeAtMs: 0, warm: update.warm)
        #expect(session.learningState.lastWarmed == noted.count - 2)
        func slot(_ user: String) throws -> SessionState {
            let row = try #require(core.users.index(of: user))
            return try #require(session.slots[Int(row)])
        }
        #expect(try slot("w1").carriesForward && slot("w1").pendingSteps == 1)
        #expect(try slot("w2").carriesForward && slot("w2").pendingSteps == 0)
        #expect(try slot(one).carriesForward && slot(one).pendingSteps == 1)
        #expect(try !slot(many).carriesForward)
        #expect(try !slot(reborn).carriesForward)
        // No step left w1's or w2's window: the carried state plus the new step is the whole window's encoding.
        for user in ["w1", "w2"] {
            let expected = update.model.sessionVectors(histories: [try slot(user).window.steps])
            let got = try #require(core.sessionVector(for: user))
            #expect(got.count == expected.count)
            #expect(zip(got, expected).allSatisfy { abs($0 - $1) < 1e-4 }, "\(user): \(got) vs \(expected)")
        }
        // Without the round's states every window would be encoded from scratch.
        session.install(model: update.model, fusion: update.fusion, encoder: SessionBatchEncoder(model: update.model),
                        version: update.version + 1, madeAtMs: 0)
        #expect(session.learningState.lastWarmed == 0)
        #expect(try !slot("w2").carriesForward)
    }
}
