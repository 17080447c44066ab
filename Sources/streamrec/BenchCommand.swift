import ArgumentParser
import Daemon
import Engine
import Events
import Foundation
import Logging
import Models
import Pipeline

/// `streamrec bench`: throughput and latency of the engine in-process and through the mock
/// cluster, refresh throughput on a large catalog, memory, and River as the peer.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure update, end-to-end and refresh throughput, event-to-list latency, session update cost and memory.",
        discussion: """
        In-process: RecommenderCore.apply over generated events and over MovieLens-100K (when the \
        file exists), River's BiasedMF timed on the same events (scripts/bench-river.sh installs it); \
        update_events_per_s and river_events_per_s are the MovieLens-100K ratings (explicit SGD in \
        both), generated_* the generated stream (implicit with sampled negatives in the engine). \
        End-to-end: mock cluster + pipeline + a producer at full speed; latency at a fixed rate with \
        debounce 0 and a small refresh interval (--latency-stages splits it by stage). Refresh: \
        users/s scoring a random catalog. Session: µs per event of the Bi-GRU window re-encode. \
        Group: one member of a consumer group catching up the generated events as a backlog with the \
        changelog on and off, then a backlog of --group-users new users (one round writes them all) \
        the same way, then a second member taking half the partitions (restore rate, changelog bytes per user, \
        revocation to the new owner's first list). \
        Eviction: the longest single apply with the user table full at --eviction-users users \
        (every timed event is a new user, so rows are freed by evicting idle users). \
        Items: the catch-up of an item topic of --item-records records at a start and a restart (items/s). \
        Sharing: item state shared by a group, over --sharing-data (MovieLens-1M ratings in time order; \
        the generator when absent) sent at --sharing-rate: online HR/NDCG@10 of groups of 1, 2 and 3, \
        the hand-off (a member leaves half-way, a new one joins: the moved partitions' events against \
        the same events where nothing moved, sharing on and off), update messages and bytes per \
        100,000 events, and a group of 2 catching up the first 200,000 events as a backlog, sharing on and off. \
        --only picks parts. \
        Build with -c release; figures go to standard output (--json: one object), progress to standard error.
        """
    )

    @Option(help: "Generated events for the in-process and end-to-end runs.")
    var events = 300_000
    @Option(help: "Users of the generator.")
    var users = 20_000
    @Option(help: "Items of the generator.")
    var items = 5_000
    @Option(help: "Latent factors of the model.")
    var factors = 64
    @Option(help: "MovieLens-100K u.data (skipped when absent).")
    var movielens = "../shared/datasets/ml-100k/u.data"
    @Option(help: "Python with River installed (the peer); skipped when absent.")
    var python = ".venv-bench/bin/python"
    @Option(help: "The River timing script.")
    var riverScript = "scripts/bench-river.py"
    @Option(help: "linger.ms of the end-to-end run's event producer.")
    var e2eLingerMs = 5
    @Option(help: "Runs of each in-process apply measurement (the best is reported; for profiling).")
    var updateRounds = 1
    @Option(help: "Events/s of the latency run.")
    var latencyRate = 20_000
    @Option(help: "Seconds of the latency run (the first second is warm-up).")
    var latencySeconds = 6.0
    @Option(help: "linger.ms of the latency run's event producer (its batching counts in the latency).")
    var latencyLingerMs = 2
    @Option(help: "Refresh interval (ms) of the latency run.")
    var latencyRefreshMs = 5
    @Option(help: "Items of the refresh run.")
    var refreshItems = 100_000
    @Option(help: "Factors of the refresh run.")
    var refreshDims = 64
    @Option(help: "Users scored per refresh round.")
    var refreshUsers = 4_096
    @Option(name: .customLong("kafka"), help: "A librdkafka property for the pipeline in the mock-cluster runs (KEY=VALUE; repeatable).")
    var kafkaSettings: [String] = []
    @Option(help: "Hidden size of the session update run.")
    var sessionHidden = 64
    @Option(help: "Window length of the session update run.")
    var sessionWindow = 20
    @Option(help: "Timed updates of the session update run.")
    var sessionUpdates = 20_000
    @Option(help: "Items of the session model in the session update and serving-path runs.")
    var sessionItems = 12_000
    @Option(help: "Stale windows re-encoded per round in the serving-path run.")
    var sessionRefreshUsers = 4_096
    @Option(help: "Users of the session training run.")
    var sessionTrainUsers = 100_000
    @Option(help: "Rounds of the session training run.")
    var sessionTrainRounds = 3
    @Option(help: "Users of the group run (each with --group-events-per-user events).")
    var groupUsers = 100_000
    @Option(help: "Events per user of the group run.")
    var groupEventsPerUser = 2
    @Option(help: "Input partitions of the group run (the mock keeps about 5 MiB per partition: more partitions keep the changelog whole).")
    var groupPartitions: Int32 = 16
    @Option(help: "Users held (the cap) in the eviction run.")
    var evictionUsers = 5_000_000
    @Option(help: "Timed events of new users in the eviction run.")
    var evictionEvents = 500_000
    @Option(help: "Factors of the eviction run (the stall does not depend on them; fewer keep memory low).")
    var evictionFactors = 16
    @Option(help: "Item records on the item topic of the items run.")
    var itemRecords = 200_000
    @Option(help: "Partitions of the item topic of the items run.")
    var itemPartitions: Int32 = 4
    @Option(help: "Ratings of the sharing run (MovieLens ratings.dat, gzip allowed; the generator when absent).")
    var sharingData = "../shared/datasets/ml-1m/partial/ratings.dat.gz"
    @Option(help: "Events of the sharing run at most (0: all of --sharing-data; the generator gives --events).")
    var sharingEvents = 0
    @Option(help: "Events/s of the sharing run's replays.")
    var sharingRate = 20_000
    @Option(help: "Input partitions of the sharing run (the mock keeps about 5 MiB per partition: 16 keep the changelog of the member that joins half-way whole).")
    var sharingPartitions: Int32 = 16
    @Flag(help: "Skip the mock-cluster runs.")
    var skipEndToEnd = false
    @Flag(help: "Print the end-to-end runs' progress every second (MF alone and with the session model).")
    var progress = false
    @Flag(help: "Run session-e2e with the session trainer off (the random-weight snapshot serves alone), to measure what the trainer costs the pipeline.")
    var noSessionTrainer = false
    @Option(help: "session.train_every_events of the session-e2e runs (default: the daemon's, 20,000).")
    var sessionTrainEvery: Int?
    @Option(help: "session.train_duty of the session-e2e runs, within (0, 1] (default: the daemon's).")
    var sessionTrainDuty: Double?
    @Flag(help: "Only the mock-cluster runs.")
    var onlyEndToEnd = false
    @Option(help: "Run only these parts (comma-separated: update, river, e2e, latency, refresh, session, session-e2e, session-train, eviction, group, items, sharing).",
            transform: BenchPart.parseList)
    var only: Set<BenchPart>?
    @Flag(help: "Latency runs (also the session one): also print where the time goes (send -> refresh -> produce -> arrival).")
    var latencyStages = false
    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    /// `--kafka` settings as properties.
    private var kafkaProperties: [String: String] {
        var properties: [String: String] = [:]
        for setting in kafkaSettings {
            let parts = setting.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { properties[parts[0]] = parts[1] }
        }
        return properties
    }

    func validate() throws {
        for setting in kafkaSettings where !setting.contains("=") {
            throw ValidationError("--kafka takes KEY=VALUE, got '\(setting)'")
        }
        if let every = sessionTrainEvery, every <= 0 {
            throw ValidationError("--session-train-every must be positive, got \(every)")
        }
        if let duty = sessionTrainDuty, !(duty > 0 && duty <= 1) {
            throw ValidationError("--session-train-duty must be within (0, 1], got \(duty)")
        }
    }

    /// Whether `part` runs under the given flags.
    private func runs(_ part: BenchPart) -> Bool {
        if let only { return only.contains(part) }
        switch part {
        case .update, .river, .refresh, .session, .eviction, .sessionTrain: return !onlyEndToEnd
        case .e2e, .latency, .group, .sessionE2E, .items, .sharing: return !skipEndToEnd
        }
    }

    func run() throws {
        // Metrics through the same backend as the daemon, so their cost is in the figures.
        _ = MetricsBootstrap.prometheus()
        var logger = Logger(label: "bench") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = (ProcessInfo.processInfo.environment["STREAMREC_BENCH_LOG"] == "info" ? .info : .error)
        var report = BenchReport()
        var engine = EngineConfiguration()
        engine.model.factors = factors

        // In-process, generated events (implicit feedback).
        benchLog("generating \(events) events (\(users) users, \(items) items) ...")
        var generator = EventGenerator(configuration: GeneratorConfiguration(users: users, items: items, seed: 42))
        let generated = generator.generate(count: events)
        if runs(.update) || runs(.river) {
            try inProcess(generated, engine: engine, report: &report)
        }

        if runs(.session) {
            // One window appended to and encoded alone from scratch by the reference encoder (both
            // directions over the whole window): the unbatched cost the serving path avoids.
            benchLog("session: one window encoded alone from scratch per event (reference encoder), H = \(sessionHidden), W = \(sessionWindow), random weights ...")
            for forwardOnly in [false, true] {
                let r = try SessionBenchmark.measureUpdate(hiddenSize: sessionHidden, windowLength: sessionWindow,
                                                           updates: sessionUpdates, forwardOnly: forwardOnly)
                let prefix = forwardOnly ? "session_forward_update_us" : "session_update_us"
                report.set("\(prefix)_p50", r.medianMicroseconds)
                report.set("\(prefix)_p99", r.p99Microseconds)
                report.set("\(prefix)_mean", r.meanMicroseconds)
                benchLog(String(format: "session window encoded alone (%@): p50 %.1f µs, p99 %.1f µs, mean %.1f µs",
                                forwardOnly ? "forward only" : "Bi-GRU", r.medianMicroseconds, r.p99Microseconds, r.meanMicroseconds))
            }
            try BenchSession.inProcess(generated, engine: engine, items: items, hidden: sessionHidden, window: sessionWindow,
                                       sessionItems: sessionItems, refreshUsers: sessionRefreshUsers, report: &report)
        }

        // Through the mock cluster.
        if runs(.e2e) {
            benchLog("end-to-end: mock cluster, 16 partitions, producer at full speed ...")
            let (e2e, e2eLists) = try BenchEndToEnd.throughput(generated, engine: engine, kafkaProperties: kafkaProperties,
                                                               lingerMs: e2eLingerMs, progress: progress, logger: logger)
            report.set("e2e_events_per_s", e2e)
            report.set("e2e_lists_per_s", e2eLists)
            benchLog(String(format: "end-to-end: %.0f events/s, %.0f lists/s (debounce %d ms, refresh 100 ms)", e2e, e2eLists, engine.debounceMs))
        }
        if runs(.latency) {

            benchLog("latency: \(latencyRate) events/s for \(latencySeconds) s, debounce 0, refresh every \(latencyRefreshMs) ms ...")
            var latencyEngine = engine
            latencyEngine.debounceMs = 0
            let histogram = try BenchEndToEnd.latency(
                generator: GeneratorConfiguration(users: users, items: items, seed: 7), rate: latencyRate,
                seconds: latencySeconds, warmupSeconds: 1, engine: latencyEngine,
                refreshIntervalMs: Int64(latencyRefreshMs), lingerMs: latencyLingerMs,
                kafkaProperties: kafkaProperties, stages: latencyStages, logger: logger)
            let ms = { (p: Double) in Double(histogram.valueAtPercentile(p)) / 1000 }
            report.set("latency_p50_ms", ms(50))
            report.set("latency_p90_ms", ms(90))
            report.set("latency_p99_ms", ms(99))
            report.set("latency_max_ms", Double(histogram.max) / 1000)
            report.set("latency_lists_measured", Double(histogram.totalCount))
            report.note("latency: \(latencyRate) events/s, debounce 0, refresh interval \(latencyRefreshMs) ms, event producer linger \(latencyLingerMs) ms, event send time (ms clock) to list arrival at a separate consumer")
            benchLog(String(format: "latency over %llu lists: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms",
                            histogram.totalCount, ms(50), ms(90), ms(99), Double(histogram.max) / 1000))
        }

        if runs(.sessionE2E) {
            try BenchSession.endToEnd(generated, engine: engine, generator: GeneratorConfiguration(users: users, items: items, seed: 7),
                                      items: items, hidden: sessionHidden, window: sessionWindow, latencyRate: latencyRate,
                                      latencySeconds: latencySeconds, latencyRefreshMs: latencyRefreshMs,
                                      latencyLingerMs: latencyLingerMs, e2eLingerMs: e2eLingerMs,
                                      kafkaProperties: kafkaProperties, stages: latencyStages, trainer: !noSessionTrainer, trainEvery: sessionTrainEvery, trainDuty: sessionTrainDuty,
                                      progress: progress, logger: logger, report: &report)
        }

        if runs(.sessionTrain) {
            try BenchSession.training(users: sessionTrainUsers, eventsPerUser: 5, items: sessionItems, hidden: sessionHidden,
                                     window: sessionWindow, rounds: sessionTrainRounds, report: &report)
        }

        if runs(.refresh) {
            // Refresh throughput on a large catalog.
            benchLog("refresh: \(refreshUsers) users against \(refreshItems) items x \(refreshDims) dims ...")
            let refresh = try BenchInProcess.refreshRate(items: refreshItems, dims: refreshDims, users: refreshUsers)
            report.set("refresh_users_per_s", refresh)
            benchLog(String(format: "refresh: %.0f users/s", refresh))
        }

        if runs(.eviction) {
            benchLog("eviction: \(evictionUsers) users held, then \(evictionEvents) events of new users ...")
            let r = try BenchEviction.measure(users: evictionUsers, events: evictionEvents, factors: evictionFactors)
            report.set("eviction_users", Double(r.users))
            report.set("eviction_max_stall_ms", r.maxStallMs)
            report.set("eviction_apply_p999_us", r.p999Microseconds)
            report.set("eviction_apply_mean_us", r.meanMicroseconds)
            report.set("eviction_evicted", Double(r.evicted))
            report.note("eviction: user table full at \(r.users) users (\(evictionFactors) factors), \(r.events) events of new users, each apply timed alone")
            benchLog(String(format: "eviction: fill %.1f s; longest apply %.2f ms, p99.9 %.1f µs, mean %.2f µs, %lld evicted",
                            r.fillSeconds, r.maxStallMs, r.p999Microseconds, r.meanMicroseconds, r.evicted))
        }

        if runs(.group) {
            var groupEngine = engine
            groupEngine.debounceMs = 0
            let group = try BenchGroup.run(users: groupUsers, eventsPerUser: groupEventsPerUser, partitions: groupPartitions,
                                           engine: groupEngine, stream: generated, streamEngine: engine, logger: logger)
            report.set("group_stream_events_per_s_changelog", group.streamEventsPerSecondChangelog)
            report.set("group_stream_events_per_s_no_changelog", group.streamEventsPerSecondNoChangelog)
            report.set("group_events_per_s_changelog", group.eventsPerSecondChangelog)
            report.set("group_events_per_s_no_changelog", group.eventsPerSecondNoChangelog)
            report.set("group_changelog_bytes_per_user", group.changelogBytesPerUser)
            report.set("group_restore_users_per_s", group.restoreUsersPerSecond)
            report.set("group_restored_users", Double(group.restoredUsers))
            report.set("group_handoff_seconds", group.handoffSeconds)
            report.note("group stream: the end-to-end run's \(events) generated events (\(users) users) as a backlog, one member of a group catching it up with the changelog on and off (rounds at the default 100,000 events)")
            report.note("group: \(groupUsers) users x \(groupEventsPerUser) events, \(groupPartitions) partitions, one member catching up the backlog with the changelog on and off (every user new: each round writes every user it touched), then a second member joins while events trickle in; hand-off = revocation on the first member to the first list published by the second")
        }

        if runs(.items) {
            benchLog("items: \(itemRecords) item records on \(itemPartitions) partitions, read at a start and at a restart ...")
            let r = try BenchItems.run(records: itemRecords, partitions: itemPartitions, starts: 2, engine: engine, logger: logger)
            report.set("items_restore_items_per_s", r.itemsPerSecond.last ?? 0)
            report.set("items_first_start_items_per_s", r.itemsPerSecond.first ?? 0)
            report.note("items: \(r.records) item records (2 attributes each, every tenth unavailable) on \(itemPartitions) partitions read to their end before any event; \(r.rows) catalog rows, \(r.unavailable) unavailable")
            benchLog(String(format: "items: catch-up %.0f items/s at the first start, %.0f at the restart", r.itemsPerSecond.first ?? 0, r.itemsPerSecond.last ?? 0))
        }

        if runs(.sharing) {
            var sharingEngine = engine
            sharingEngine.debounceMs = 0
            let (replay, source) = try BenchSharing.events(path: sharingData, limit: sharingEvents) {
                sharingEvents > 0 ? Array(generated.prefix(sharingEvents)) : generated
            }
            try BenchSharing.run(events: replay, source: source, partitions: sharingPartitions, rate: sharingRate,
                                 engine: sharingEngine, logger: logger, report: &report)
        }

        if let memory = ProcessMemory.current() { report.set("rss_bytes", Double(memory.residentBytes)) }
        if let peak = ProcessMemory.peakResidentBytes() { report.set("peak_rss_bytes", Double(peak)) }

        if json {
            print(report.json())
        } else {
            for (key, value) in report.entries { print(String(format: "%-28@ %14.1f", key as NSString, value)) }
            for note in report.notes { print("note: \(note)") }
        }
    }

    /// Apply rate, apply + refresh rate, and River, on generated events and on MovieLens-100K.
    ///
    /// The headline keys (`update_events_per_s`, `river_events_per_s`, `update_vs_river`) compare
    /// like with like: MovieLens-100K ratings, one explicit SGD step per rating in both (the peer
    /// baseline of the project's FACTS). The generated stream's keys are prefixed `generated_`:
    /// there the engine runs its implicit default (one positive and 4 sampled negatives per event)
    /// while River's BiasedMF regresses the type weight, so that ratio is not like for like.
    /// Without the MovieLens file the headline keys fall back to the generated stream.
    private func inProcess(_ generated: [Event], engine: EngineConfiguration, report: inout BenchReport) throws {
        let update = try BenchInProcess.updateRate(generated, engine: engine, rounds: updateRounds)
        report.set("generated_update_events_per_s", update)
        benchLog(String(format: "in-process apply, generated (implicit, %d negatives each): %.0f events/s", engine.model.negativeSamples, update))
        var loopEngine = engine
        loopEngine.debounceMs = 0
        let (loopEvents, loopLists) = try BenchInProcess.loopRate(generated, engine: loopEngine)
        report.set("inprocess_events_per_s", loopEvents)
        report.set("inprocess_lists_per_s", loopLists)
        benchLog(String(format: "in-process apply + refresh every 2000 events (debounce 0): %.0f events/s, %.0f lists/s", loopEvents, loopLists))
        let pass = try BenchInProcess.idlePass(generated, engine: engine)
        report.set("mf_idle_pass_seconds", pass.seconds)
        report.set("mf_idle_steps_per_s", Double(pass.steps) / pass.seconds)
        benchLog(String(format: "MF pass over the seen items on a quiet stream (model.idle_epochs): %lld pairs in %.2f s, %.0f steps/s",
                        pass.steps, pass.seconds, Double(pass.steps) / pass.seconds))
        var generatedRiver: Double?
        if runs(.river), let river = BenchRiver.run(generated, engine: engine, python: python, script: riverScript, factors: factors,
                                      note: { benchLog($0) }) {
            generatedRiver = river.eventsPerSecond
            report.set("generated_river_events_per_s", river.eventsPerSecond)
            report.set("generated_update_vs_river", update / river.eventsPerSecond)
            report.note("River \(river.version) BiasedMF, \(factors) factors, learn_one only")
            benchLog(String(format: "River BiasedMF, generated: %.0f events/s; ratio %.1fx (not like for like: no negatives in River)",
                            river.eventsPerSecond, update / river.eventsPerSecond))
        }

        // In-process, MovieLens-100K (explicit ratings: the task River's BiasedMF solves).
        if FileManager.default.fileExists(atPath: movielens) {
            let ratings = try InteractionFileReader.read(path: movielens)
            var explicit = engine
            explicit.model.feedback = .explicit
            let rate = try BenchInProcess.updateRate(ratings, engine: explicit, rounds: updateRounds)
            report.set("ml100k_update_events_per_s", rate)
            report.set("update_events_per_s", rate)
            benchLog(String(format: "in-process apply, ml-100k (%d ratings, explicit): %.0f events/s", ratings.count, rate))
            if runs(.river), let river = BenchRiver.run(ratings, engine: explicit, python: python, script: riverScript, factors: factors,
                                          note: { benchLog($0) }) {
                report.set("ml100k_river_events_per_s", river.eventsPerSecond)
                report.set("ml100k_update_vs_river", rate / river.eventsPerSecond)
                report.set("river_events_per_s", river.eventsPerSecond)
                report.set("update_vs_river", rate / river.eventsPerSecond)
                benchLog(String(format: "River BiasedMF, ml-100k: %.0f events/s; ratio %.1fx", river.eventsPerSecond, rate / river.eventsPerSecond))
            }
            report.note("update_events_per_s, river_events_per_s, update_vs_river: ml-100k ratings, explicit SGD in both, same events in the same order")
        } else {
            report.set("update_events_per_s", update)
            if let generatedRiver {
                report.set("river_events_per_s", generatedRiver)
                report.set("update_vs_river", update / generatedRiver)
            }
            report.note("ml-100k skipped (\(movielens) not found): update_events_per_s and river_events_per_s are the generated stream's")
            benchLog("ml-100k skipped: \(movielens) not found")
        }
    }
}
