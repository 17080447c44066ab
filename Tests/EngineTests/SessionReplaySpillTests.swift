@testable import Engine
import Events
import Testing

/// The replay buffer a round draws from: held windows first, then spilled ones.
@Suite("Spilled windows in the replay buffer")
struct SessionReplaySpillTests {
    /// A learning core (idle TTL 60 s) with ten users at time 0 with three steps each, then ten an
    /// hour later (event time).
    static func twentyUsers() throws -> RecommenderCore {
        let core = RecommenderCore(configuration: LearningFixture().configuration { $0.session.idleTTLSeconds = 60 })
        var offset: Int64 = 0
        func event(_ user: String, _ item: String, atMs t: Int64) throws {
            try core.apply(Event(user: user, item: item, type: .click, timestampMs: t), source: EventSource(partition: 0, offset: offset))
            offset += 1
        }
        for u in 0..<10 { for k in 0..<3 { try event("old\(u)", "i\(u + k)", atMs: Int64(k)) } }
        for u in 0..<10 { for k in 0..<3 { try event("new\(u)", "i\(u + k + 20)", atMs: 3_600_000 + Int64(k)) } }
        return core
    }

    /// `twentyUsers` after a sweep an hour on, which spills the ten older users' windows.
    static func oldOnesSpilled() throws -> (RecommenderCore, SessionTracker, SessionLearningConfiguration) {
        let core = try twentyUsers()
        let session = try #require(core.session)
        let learning = try #require(session.learning)
        #expect(session.sweepIdle(nowMs: 3_600_010, users: core.users, rowLimit: 1_000) == 10)
        return (core, session, learning)
    }

    @Test("windows spilled for idleness are trained on when the held ones do not fill a round, and counted in the buffer")
    func spilledWindowsTrained() throws {
        let (core, session, learning) = try Self.oldOnesSpilled()
        #expect(session.spilled.count == 10)
        let round = try #require(core.makeSessionRound(session, learning))
        // The held users' windows (less the held-out ones, none yet) and the ten spilled ones.
        #expect(round.pack.count == 20)
        #expect(round.warm.count == 10, "only held states carry a forward state at install")
        #expect(round.replayUsers == 20)
        let sequences = round.pack.sequences
        #expect(sequences.filter { $0.count == 3 }.count == 20)
        // Spilled windows come after the held ones, newest spilled first, with their items.
        let spilledItems = Set(sequences[10...].map { $0.map(\.item) })
        let vocabulary = session.sessionIndexById
        let expected = Set((0..<10).map { u in (0..<3).map { vocabulary["i\(u + $0)"]! } })
        #expect(spilledItems == expected)
        // A round whose budget the held windows fill takes no spilled one.
        var small = learning
        small.maxExamplesPerRound = 5
        let filled = try #require(core.makeSessionRound(session, small))
        #expect(filled.pack.count < 10)
        #expect(filled.warm.count == filled.pack.count)
    }

    @Test("the users of the last held-out events stay out of training, their spilled windows too")
    func heldOutUsersLeftOut() throws {
        let (core, session, learning) = try Self.oldOnesSpilled()
        // One spilled user and one held user were the last round's held-out users.
        let spilledRow = Int(try #require(core.users.index(of: "old3")))
        let heldRow = Int(try #require(core.users.index(of: "new7")))
        session.learningState.lastValidationUsers = [spilledRow, heldRow]
        for idle in [false, true] {
            let round = try #require(core.makeSessionRound(session, learning, idle: idle))
            #expect(round.pack.count == 18)
            #expect(!round.warm.rows.contains(Int32(heldRow)))
            let old3 = (0..<3).map { session.sessionIndexById["i\(3 + $0)"]! }
            #expect(!round.pack.sequences.contains { $0.map(\.item) == old3 }, "old3's spilled window was trained on")
        }
    }
}
