import Engine
import Events
import Foundation
import Linalg
import Testing

/// Held-out events when users come in one burst each and never return (as in Amazon review
/// sequences replayed in order): the users a round arms send nothing more, so sampled events of
/// the users streaming now fill the held-out set.
@Suite("Sampled held-out events")
struct SessionHeldOutSamplingTests {
    @Test("users who never return still give the next round held-out events: it refits the fusion and reports NDCG@10")
    func burstsStillRefit() throws {
        let fixture = LearningFixture()
        // A round every 200 events: with 15 users armed, every 6th applied event is sampled.
        let core = RecommenderCore(configuration: fixture.configuration { $0.session.learning.trainEveryEvents = 200 })
        var offset: Int64 = 0
        var rng = SeededGenerator(seed: 9)
        func burst(_ u: Int) throws {
            for _ in 0..<10 {
                let e = Event(user: "u\(u)", item: "i\(rng.nextInt(below: 60))", type: .click, timestampMs: 1_700_000_000_000 + offset)
                try core.apply(e, source: EventSource(partition: 0, offset: offset))
                offset += 1
            }
        }
        for u in 0..<60 { try burst(u) }
        // The first round arms the 15 newest users (u45 ... u59); none of them comes back.
        #expect(try core.trainSessionModelNow())
        #expect(core.servingSessionFusion?.sessionShare == 0.5)
        for u in 60..<100 { try burst(u) }
        #expect(try core.trainSessionModelNow())
        let ndcg = try #require(core.sessionLearningStatistics?.lastValidationNDCG10, "no held-out events: the fusion was not refitted")
        #expect(ndcg >= 0 && ndcg <= 1)
        // The share moved halfway from 0.5 to the fitted weight.
        let share = try #require(core.servingSessionFusion?.sessionShare)
        #expect(abs(share - 0.5) > 1e-4)
    }
}
