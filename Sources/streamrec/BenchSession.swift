import Engine
import Events
import Foundation
import Linalg
import Logging
import Models

/// The session-on parts of `streamrec bench`: the per-event and per-refresh cost of the session
/// state on the serving path, the in-process loop with the session model on and off, and the
/// end-to-end rate and latency through the mock cluster with it on. The session model has random
/// weights over the generator's items (cost does not depend on the weights' values).
enum BenchSession {
    /// A session snapshot over the generator's items `i0 ..< i<items>` with random weights.
    static func snapshot(items: Int, hidden: Int, window: Int, forwardOnly: Bool = false) throws -> SessionSnapshot {
        let c = SessionModelConfiguration(itemCount: items, embeddingDimension: 64, hiddenSize: hidden,
                                          windowLength: window, forwardOnly: forwardOnly,
                                          backwardSteps: EngineConfiguration().session.learning.model.backwardSteps, seed: 11)
        return try SessionSnapshot(model: BiGRUSessionModel(configuration: c), itemIds: (0..<items).map { "i\($0)" },
                                   fusion: HybridFusion())
    }

    /// Serving-path costs and the in-process loop with the session on and off, into `report`.
    static func inProcess(_ events: [Event], engine: EngineConfiguration, items: Int, hidden: Int, window: Int,
                          sessionItems: Int, refreshUsers: Int, report: inout BenchReport) throws {
        let backwardSteps = EngineConfiguration().session.learning.model.backwardSteps
        for forwardOnly in [false, true] {
            let r = try SessionBenchmark.measureRefresh(hiddenSize: hidden, windowLength: window, itemCount: sessionItems,
                                                        users: refreshUsers, forwardOnly: forwardOnly, backwardSteps: backwardSteps)
            let prefix = forwardOnly ? "session_forward" : "session"
            report.set("\(prefix)_append_us", r.appendMicroseconds)
            report.set("\(prefix)_refresh_encode_us_per_user", r.encodeMicrosecondsPerWindow)
            report.set("\(prefix)_refresh_step_us_per_user", r.stepMicrosecondsPerWindow)
            if !forwardOnly { report.set("session_input_table_bytes", Double(r.tableBytes)) }
            benchLog(String(format: "session serving path (%@, backward steps %d): append %.3f µs per event; per stale window: %.2f µs encoded from scratch, %.2f µs one step on from the carried state",
                            forwardOnly ? "forward only" : "Bi-GRU", forwardOnly ? 0 : backwardSteps, r.appendMicroseconds,
                            r.encodeMicrosecondsPerWindow, r.stepMicrosecondsPerWindow))
        }
        // The loop as the pipeline runs it: apply, refresh every 2,000 events; session cost per
        // event = the difference of the per-event times with the session model on and off.
        for debounce in [Int64(0), engine.debounceMs] {
            var off = engine
            off.debounceMs = debounce
            var on = off
            on.session.snapshot = try snapshot(items: items, hidden: hidden, window: window)
            let (rateOff, listsOff) = try BenchInProcess.loopRate(events, engine: off)
            let (rateOn, listsOn) = try BenchInProcess.loopRate(events, engine: on)
            let cost = 1e6 / rateOn - 1e6 / rateOff
            let suffix = debounce == 0 ? "debounce0" : "debounce\(debounce)"
            report.set("session_inprocess_events_per_s_\(suffix)", rateOn)
            report.set("session_off_inprocess_events_per_s_\(suffix)", rateOff)
            report.set("session_cost_us_per_event_\(suffix)", cost)
            report.set("session_off_inprocess_lists_per_s_\(suffix)", listsOff)
            benchLog(String(format: "in-process loop, debounce %lld ms: %.0f events/s (%.0f lists/s) with the session model, %.0f (%.0f lists/s) without: %.2f µs per event for the session",
                            debounce, rateOn, listsOn, rateOff, listsOff, cost))
            // The same with the ranking lane, as the pipeline runs it: what the session side
            // leaves on the loop's thread. Not at debounce 0: there the pipeline cuts refreshes
            // into batches (`engine.fresh_lists`), which rank on its thread, and this loop does not.
            guard debounce > 0 else { continue }
            let (rateLane, listsLane) = try BenchInProcess.loopRate(events, engine: on, lane: true)
            let laneCost = 1e6 / rateLane - 1e6 / rateOff
            report.set("session_inprocess_events_per_s_\(suffix)_lane", rateLane)
            report.set("session_cost_us_per_event_\(suffix)_lane", laneCost)
            benchLog(String(format: "  with the ranking lane: %.0f events/s (%.0f lists/s): %.2f µs per event for the session on the loop's thread",
                            rateLane, listsLane, laneCost))
        }
        report.note("session cost per event: in-process apply + refresh every 2,000 events, 1/rate with the session model (random weights, H = \(hidden), W = \(window)) minus 1/rate without; includes the re-encode of stale windows, session scoring and fusion at refresh; the _lane keys (default debounce) with the hybrid ranking on the ranking lane, as the pipeline runs it (the loop's thread only)")
    }

    /// End-to-end rate and latency through the mock cluster with the session model on, into `report`.
    static func endToEnd(_ events: [Event], engine: EngineConfiguration, generator: GeneratorConfiguration, items: Int,
                         hidden: Int, window: Int, latencyRate: Int, latencySeconds: Double, latencyRefreshMs: Int,
                         latencyLingerMs: Int, e2eLingerMs: Int, kafkaProperties: [String: String], stages: Bool = false,
                         trainer: Bool = true, trainEvery: Int? = nil, trainDuty: Double? = nil, progress: Bool = false,
                         logger: Logger, report: inout BenchReport) throws {
        // As the daemon runs by default: the session model serving (a warm start here, so it ranks
        // from the first event) and the trainer thread taking rounds beside the pipeline.
        var on = engine
        on.session.snapshot = try snapshot(items: items, hidden: hidden, window: window)
        on.session.learning.enabled = trainer
        if let trainEvery { on.session.learning.trainEveryEvents = trainEvery }
        if let trainDuty { on.session.learning.trainDuty = trainDuty }
        benchLog("end-to-end with the session model\(trainer ? " and its trainer" : " (trainer off)"): mock cluster, 16 partitions, producer at full speed ...")
        let (rate, lists) = try BenchEndToEnd.throughput(events, engine: on, kafkaProperties: kafkaProperties,
                                                          lingerMs: e2eLingerMs, progress: progress, logger: logger)
        report.set("e2e_session_events_per_s", rate)
        report.set("e2e_session_lists_per_s", lists)
        benchLog(String(format: "end-to-end with the session model: %.0f events/s, %.0f lists/s (debounce %lld ms)", rate, lists, on.debounceMs))
        var latencyEngine = on
        latencyEngine.debounceMs = 0
        let histogram = try BenchEndToEnd.latency(
            generator: generator, rate: latencyRate, seconds: latencySeconds, warmupSeconds: 1, engine: latencyEngine,
            refreshIntervalMs: Int64(latencyRefreshMs), lingerMs: latencyLingerMs, kafkaProperties: kafkaProperties,
            stages: stages, logger: logger)
        let ms = { (p: Double) in Double(histogram.valueAtPercentile(p)) / 1000 }
        report.set("latency_session_p50_ms", ms(50))
        report.set("latency_session_p99_ms", ms(99))
        report.set("latency_session_max_ms", Double(histogram.max) / 1000)
        benchLog(String(format: "latency with the session model over %llu lists: p50 %.1f ms, p99 %.1f ms, max %.1f ms",
                        histogram.totalCount, ms(50), ms(99), Double(histogram.max) / 1000))
    }
}

extension BenchSession {
    /// One training round of the in-daemon trainer at `users` users (generated events, about
    /// `eventsPerUser` each): the round's length on the calling thread, sequences per second,
    /// and the replay buffer's bytes, into `report`.
    static func training(users: Int, eventsPerUser: Int, items: Int, hidden: Int, window: Int, rounds: Int,
                         report: inout BenchReport) throws {
        var engine = EngineConfiguration()
        engine.session.learning.enabled = true
        engine.session.learning.model.hiddenSize = hidden
        engine.session.learning.model.windowLength = window
        engine.session.maxUsers = max(users, 1)
        let core = RecommenderCore(configuration: engine)
        var generator = EventGenerator(configuration: GeneratorConfiguration(users: users, items: items, seed: 5))
        benchLog("session training: \(users) users x \(eventsPerUser) events, \(items) items ...")
        for (i, event) in generator.generate(count: users * eventsPerUser).enumerated() {
            try core.apply(event, source: EventSource(partition: 0, offset: Int64(i)))
        }
        var longest = 0.0, total = 0.0
        for _ in 0..<max(1, rounds) {
            let start = ContinuousClock.now
            _ = try core.trainSessionModelNow()
            let seconds = secondsSince(start)
            longest = max(longest, seconds)
            total += seconds
        }
        let stats = try requireStats(core)
        let perSecond = Double(stats.sequencesTrained) / total
        report.set("session_train_round_s", total / Double(max(1, rounds)))
        report.set("session_train_round_max_s", longest)
        report.set("session_train_sequences_per_s", perSecond)
        report.set("session_train_examples_per_round", Double(engine.session.learning.maxExamplesPerRound))
        report.set("session_replay_bytes", Double(stats.replayBytes))
        report.set("session_replay_users", Double(stats.replayUsers))
        report.note("session training: a round at \(users) users (\(eventsPerUser) events each, \(items) items), default settings but H = \(hidden), W = \(window) (E = 64, \(engine.session.learning.maxExamplesPerRound) examples), timed on the calling thread, including the round's sampling, the fusion refit and the input tables")
        benchLog(String(format: "session training round: %.2f s (longest %.2f s), %.0f sequences/s; replay buffer %d users, %d bytes",
                        total / Double(max(1, rounds)), longest, perSecond,
                        stats.replayUsers, stats.replayBytes))
    }

    private static func requireStats(_ core: RecommenderCore) throws -> SessionLearningStatistics {
        guard let stats = core.sessionLearningStatistics else { throw BenchSessionError() }
        return stats
    }
}

/// The session part found no training statistics (learning off).
struct BenchSessionError: Error {}
