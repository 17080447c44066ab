import Engine
import Events
import Foundation
import Histogram
import Linalg

/// The `eviction` part of `streamrec bench`: how long one event can stall the loop when the user
/// table is full and every new user makes room by evicting idle ones.
enum BenchEviction {
    /// What one run measured.
    struct Result {
        /// Users held when the timed events began (the cap).
        var users: Int
        /// Timed events, each from a user not held.
        var events: Int
        /// Users evicted during the timed events.
        var evicted: Int64
        /// Seconds the fill (up to the cap, then a second event per user; not timed per event) took.
        var fillSeconds: Double
        /// Longest single `apply`, in ms.
        var maxStallMs: Double
        /// 99.9th percentile of one `apply`, in µs.
        var p999Microseconds: Double
        /// Mean of one `apply`, in µs.
        var meanMicroseconds: Double
    }

    /// Fills a core capped at `users` users (one event each, over a catalog of `items` items), gives
    /// every user a second event in a random order (so recency does not follow row order, as in a
    /// real stream), then applies `events` events of new users, timing each `apply` alone: every
    /// one of them needs a row, so the table evicts as it goes.
    static func measure(users: Int, events: Int, items: Int = 1_000, factors: Int) throws -> Result {
        var engine = EngineConfiguration()
        engine.model.factors = factors
        engine.maxUsers = users
        let core = RecommenderCore(configuration: engine)
        core.model.reserve(users: users, items: items)
        let base: Int64 = 1_700_000_000_000
        let fillStart = ContinuousClock.now
        for u in 0..<users {
            let event = Event(user: "u\(u)", item: "i\(u % items)", type: .click, timestampMs: base + Int64(u))
            try core.apply(event, source: EventSource(partition: 0, offset: Int64(u)))
        }
        var order = Array(0..<users)
        var rng = SeededGenerator(seed: 5)
        for i in stride(from: users - 1, to: 0, by: -1) { order.swapAt(i, rng.nextInt(below: i + 1)) }
        for (k, u) in order.enumerated() {
            let event = Event(user: "u\(u)", item: "i\((u + 1) % items)", type: .click, timestampMs: base + Int64(users + k))
            try core.apply(event, source: EventSource(partition: 0, offset: Int64(users + k)))
        }
        let fillSeconds = secondsSince(fillStart)
        let evictedBefore = core.evictedUsers
        var histogram = Histogram<UInt64>(highestTrackableValue: 120_000_000_000, numberOfSignificantValueDigits: .three)
        var total: Duration = .zero
        for k in 0..<events {
            let i = 2 * users + k
            let event = Event(user: "u\(i)", item: "i\(i % items)", type: .click, timestampMs: base + Int64(i))
            let source = EventSource(partition: 0, offset: Int64(i))
            let start = ContinuousClock.now
            try core.apply(event, source: source)
            let took = ContinuousClock.now - start
            total += took
            histogram.record(UInt64(max(0, nanoseconds(took))))
        }
        return Result(users: users, events: events, evicted: core.evictedUsers - evictedBefore,
                      fillSeconds: fillSeconds, maxStallMs: Double(histogram.max) / 1e6,
                      p999Microseconds: Double(histogram.valueAtPercentile(99.9)) / 1e3,
                      meanMicroseconds: Double(nanoseconds(total)) / Double(max(1, events)) / 1e3)
    }

    private static func nanoseconds(_ d: Duration) -> Int64 {
        d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000
    }
}
