import Engine
import Events
import Foundation
import Linalg

/// In-process measurements: `RecommenderCore.apply` over a list of events (no Kafka), the same
/// loop with refreshes as the pipeline runs them, and batch refresh throughput on a large catalog.
enum BenchInProcess {
    /// Applies `events` to a fresh core; returns events/s of the apply loop alone (the best of
    /// `rounds`, each on a fresh core).
    static func updateRate(_ events: [Event], engine: EngineConfiguration, rounds: Int = 1) throws -> Double {
        var best = 0.0
        for _ in 0..<max(1, rounds) {
            let core = RecommenderCore(configuration: engine)
            let start = ContinuousClock.now
            try apply(events, to: core)
            best = max(best, Double(events.count) / secondsSince(start))
        }
        return best
    }

    /// Applies `events` to `core` in order, at offsets 0, 1, ... of partition 0.
    private static func apply(_ events: [Event], to core: RecommenderCore) throws {
        for (i, event) in events.enumerated() {
            try core.apply(event, source: EventSource(partition: 0, offset: Int64(i)))
        }
    }

    /// Applies `events` to a fresh core, then times one MF pass over the seen items on the quiet
    /// stream (`model.idle_epochs`), in the pipeline's 20 ms slices; returns (seconds, steps).
    static func idlePass(_ events: [Event], engine: EngineConfiguration) throws -> (seconds: Double, steps: Int64) {
        var c = engine
        c.idleEpochs = 1
        let core = RecommenderCore(configuration: c)
        try apply(events, to: core)
        let quietFrom = Int64(Date().timeIntervalSince1970 * 1000)
        _ = core.replayWhileQuiet(wallClockMs: quietFrom)
        let start = ContinuousClock.now
        while core.replayWhileQuiet(wallClockMs: quietFrom + 1_000) {}
        return (secondsSince(start), core.mfIdleSteps)
    }

    /// Applies `events` with a refresh after every `batch` events (debounce as configured), as
    /// the pipeline's loop does; returns (events/s, lists/s). With `lane`, also as the pipeline
    /// does: refreshes leave their hybrid ranking to the ranking lane (`deferring`), whose lists
    /// are collected after each batch, and the next refresh waits until they are out.
    static func loopRate(_ events: [Event], engine: EngineConfiguration, batch: Int = 2_000,
                         lane: Bool = false) throws -> (Double, Double) {
        let core = RecommenderCore(configuration: engine)
        var lists = 0
        let start = ContinuousClock.now
        let startMs = Int64(Date().timeIntervalSince1970 * 1000)
        for (i, event) in events.enumerated() {
            try core.apply(event, source: EventSource(partition: 0, offset: Int64(i)))
            if (i + 1) % batch == 0 || i == events.count - 1 {
                let elapsedMs = Int64(secondsSince(start) * 1000)
                let last = i == events.count - 1
                if lane { lists += core.completeDeferredRefresh(wait: false) { _ in } }
                if last || !core.hasDeferredRefresh {
                    lists += core.refresh(nowMs: elapsedMs, wallClockMs: startMs + elapsedMs, force: last,
                                          deferring: lane) { _ in }
                }
            }
        }
        let seconds = secondsSince(start)
        return (Double(events.count) / seconds, Double(lists) / seconds)
    }

    /// Users/s of a forced refresh of `users` personal users against `items` items of `dims`
    /// factors filled with random values (the best of `rounds`).
    static func refreshRate(items: Int, dims: Int, users: Int, rounds: Int = 3) throws -> Double {
        var engine = EngineConfiguration()
        engine.model.factors = dims
        engine.debounceMs = 0
        let core = RecommenderCore(configuration: engine)
        core.model.reserve(users: users, items: items)
        // Register every item, spread over the users so each has enough history to be personal.
        var sequence: Int64 = 0
        let base: Int64 = 1_700_000_000_000
        for i in 0..<items {
            let event = Event(user: "w\(i % users)", item: "i\(i)", type: .click, timestampMs: base + sequence)
            try core.apply(event, source: EventSource(partition: 0, offset: sequence))
            sequence += 1
        }
        var rng = SeededGenerator(seed: 17)
        for matrix in [core.model.userFactors, core.model.itemFactors] {
            for i in 0..<(matrix.rows * matrix.cols) { matrix.base[i] = rng.nextGaussian() * 0.1 }
        }
        var best = 0.0
        for round in 0..<rounds {
            if round > 0 {
                for u in 0..<users {
                    let event = Event(user: "w\(u)", item: "i\((u * 7 + round) % items)", type: .click, timestampMs: base + sequence)
                    try core.apply(event, source: EventSource(partition: 0, offset: sequence))
                    sequence += 1
                }
            }
            var ranked = 0
            let start = ContinuousClock.now
            // force: ranks every dirty user, published or not (unchanged lists are not emitted).
            _ = core.refresh(nowMs: Int64(round) * 10_000, wallClockMs: base, force: true) { _ in ranked += 1 }
            let seconds = secondsSince(start)
            best = max(best, Double(core.dirtyCount == 0 ? users : users - core.dirtyCount) / seconds)
            _ = ranked
        }
        return best
    }
}
