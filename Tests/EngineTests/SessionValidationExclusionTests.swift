@testable import Engine
import Events
import Testing

/// What a held-out event's ranking leaves out: the items its user had seen before it, as
/// leave-one-out leaves out the history before the held-out item, and not the ones seen after.
@Suite("Held-out events leave out only the earlier items")
struct SessionValidationExclusionTests {
    @Test("a held-out event's ranking leaves out the items seen before it; items seen after it stay in")
    func laterItemsStayIn() throws {
        let core = RecommenderCore(configuration: LearningFixture().configuration())
        let session = try #require(core.session)
        let learning = try #require(session.learning)
        var offset: Int64 = 0
        func event(_ user: String, _ item: String) throws {
            try core.apply(Event(user: user, item: item, type: .click, timestampMs: 1_700_000_000_000 + offset),
                           source: EventSource(partition: 0, offset: offset))
            offset += 1
        }
        for item in ["i0", "i1", "i2"] { try event("a", item) }
        for user in ["b", "c"] { for item in ["i6", "i7", "i8"] { try event(user, item) } }
        let a = Int(try #require(core.users.index(of: "a")))
        session.heldOut.arm(rows: [a], capacity: 1, sampleStride: 0, userCount: core.users.count,
                            itemCount: core.items.count + 8, window: 6)
        // The held-out event, then two more events of the same user before the round.
        for item in ["i3", "i4", "i5"] { try event("a", item) }
        #expect(session.heldOut.count == 1)

        let round = try #require(core.makeSessionRound(session, learning))
        let validation = try #require(round.validation, "the captured event was not held out")
        let examples = validation.expand()
        #expect(examples.targets.count == 1)
        let index = session.sessionIndexById
        #expect(examples.targets.first == index["i3"].map(Int.init))
        #expect(examples.histories.first?.map(\.item) == ["i0", "i1", "i2"].map { index[$0]! })
        let excluded = Set(try #require(examples.excluded.first))
        #expect(excluded == Set(["i0", "i1", "i2"].map { Int(index[$0]!) }), "left out: \(excluded)")
        // The MF row handed on: finite everywhere, the left-out items at the row's minimum.
        let width = validation.vocabulary
        let row = examples.mf[0..<width]
        #expect(row.allSatisfy { $0.isFinite })
        let floor = row.min()!
        for item in excluded { #expect(row[item] == floor) }
        #expect(row[Int(index["i4"]!)] > -.infinity)
    }
}
