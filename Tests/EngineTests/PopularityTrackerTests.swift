import Engine
import Foundation
import Testing

@Suite("Popularity tracker")
struct PopularityTrackerTests {
    @Test("decayed counts match the closed form with repeated timestamps, across a rebase and a restore")
    func closedForm() {
        var tracker = PopularityTracker(halfLifeSeconds: 1)
        for _ in 0..<3 { tracker.addItem() }
        // (item, weight, time ms): equal timestamps in a row, then one 70 half-lives later (rebase).
        let events: [(Int32, Float, Int64)] = [(0, 1, 1_000), (1, 2, 1_000), (0, 1, 1_000), (2, 3, 3_000),
                                               (1, 1, 3_000), (0, 1, 2_000), (2, 1, 73_000), (2, 1, 73_000)]
        func expected(_ item: Int32, at t: Int64, upTo n: Int) -> Double {
            events.prefix(n).filter { $0.0 == item }.reduce(0) { $0 + Double($1.1) * exp2(Double($1.2 - t) / 1000) }
        }
        for (n, event) in events.enumerated() {
            tracker.record(item: event.0, weight: event.1, timestampMs: event.2)
            for item: Int32 in 0..<3 {
                let want = expected(item, at: event.2, upTo: n + 1)
                #expect(abs(tracker.count(of: item, at: event.2) - want) <= 1e-5 * max(1, want), "event \(n), item \(item)")
            }
        }
        // A restored copy goes on from the stored state, not from the last timestamp it never saw.
        var restored = PopularityTracker(halfLifeSeconds: 1)
        restored.restore(values: tracker.state.values, originMs: tracker.state.originMs)
        tracker.record(item: 1, weight: 1, timestampMs: 74_000)
        restored.record(item: 1, weight: 1, timestampMs: 74_000)
        #expect(restored.state.values == tracker.state.values)
        #expect(abs(restored.count(of: 1, at: 74_000) - 1) < 1e-6)
    }
}
