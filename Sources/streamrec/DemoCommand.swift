import ArgumentParser
import Daemon
import Engine
import Evaluation
import Events
import Foundation
import Kafka
import Logging
import Pipeline

/// `streamrec demo`: the whole loop on an embedded mock cluster, fed by the built-in generator.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the engine end to end on an embedded Kafka mock cluster fed by the event generator.",
        discussion: """
        Starts librdkafka's mock cluster in-process (real Kafka protocol on loopback), creates the \
        topics, feeds synthetic events (users with latent tastes, popular items, sequential habits) \
        at --rate, and runs the same engine as `serve` against it. Prints a one-line summary each \
        second and example lists at the end. Needs no Kafka installation. Stops after --seconds or on Ctrl-C.
        """
    )

    @Option(help: "How long to run, in seconds.")
    var seconds: Double = 20
    @Option(help: "Events per second fed into the input topic.")
    var rate: Int = 20_000
    @Option(help: "Synthetic users.")
    var users: Int = 5_000
    @Option(help: "Synthetic items.")
    var items: Int = 2_000
    @Option(help: "Share of deliberately malformed messages (they must land on the dead-letter topic).")
    var badFraction: Double = 0.001
    @Option(help: "Random seed of the generator and the model.")
    var seed: UInt64 = 42
    @Option(help: "Partitions of the input topic.")
    var partitions: Int32 = 4
    @Option(help: "Optional YAML configuration (engine and model keys apply; Kafka keys are replaced by the mock).")
    var config: String?
    @Option(help: "Replay this event file (in time order, its own timestamps) instead of generated events; the run ends when every event is applied and, on the quiet stream, the session trainer's idle rounds (session.idle_rounds) are done and installed and the MF learner's passes over the seen items (model.idle_epochs) are done, or after --seconds.")
    var input: String?
    @Option(help: "Format of --input: \(InteractionFileFormat.allCases.map(\.rawValue).joined(separator: ", ")) (default: detected).")
    var format: String?
    @Option(help: "Publish an item record for each item of this S3-Rec attribute file (`*_item2attributes.json`: item id → attribute list) on the item topic before the events start, so the engine's cold start and the session model's attribute input see them.")
    var itemAttributes: String?
    @Option(help: "The session model trained in the daemon: on (default, unless the configuration says session.enabled: false) or off (MF alone, the baseline).")
    var session: String?
    @Option(help: "Also write each one-second summary to this CSV file (seconds, events, lists, online_hr@10, online_ndcg@10: the online metrics so far); `streamrec plot` draws it.")
    var series: String?
    @Option(help: "At the end, write the engine's state (a checkpoint: MF model, users with their seen items, session windows, the serving session model and its fusion) to this file; `streamrec eval --model engine --set state=FILE` scores it.")
    var saveState: String?
    @Flag(help: "End by printing one JSON object with the run's figures (summaries go to stderr).")
    var json = false
    @Flag(help: "Log engine and Kafka messages at info level (default: warnings only).")
    var verbose = false

    func validate() throws {
        guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
        guard rate > 0 else { throw ValidationError("--rate must be positive") }
        guard users > 0, items > 1 else { throw ValidationError("--users must be positive and --items at least 2") }
        guard (0...1).contains(badFraction) else { throw ValidationError("--bad-fraction must be within 0...1") }
        if let format, InteractionFileFormat(rawValue: format) == nil {
            throw ValidationError("unknown --format '\(format)'; expected one of \(InteractionFileFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let session, session != "on", session != "off" { throw ValidationError("--session takes on or off, got '\(session)'") }
    }

    func run() throws {
        let logger = LoggingSetup.logger(label: "streamrec.demo", level: verbose ? .info : .error)
        let cluster = try MockCluster(brokerCount: 1)
        // Every client of the cluster is gone when runDemo returns; only then may the cluster go.
        try withExtendedLifetime(cluster) {
            try runDemo(cluster: cluster, logger: logger)
        }
    }

    /// Produces one item record per item of `attributes` (its first `maxAttributes` attributes, in
    /// item id order) and waits for their delivery; returns how many.
    static func publish(_ attributes: ItemAttributes, topic: String, bootstrapServers: String, maxAttributes: Int) throws -> Int {
        let producer = try KafkaProducer(properties: ["bootstrap.servers": bootstrapServers, "linger.ms": "20"])
        let ids = attributes.byItem.keys.sorted()
        for id in ids {
            let record = ItemRecord(item: id, attributes: Array(attributes.byItem[id]!.prefix(maxAttributes)))
            try producer.produce(topic: topic, key: Array(id.utf8), value: ItemRecordEncoder.json(record))
        }
        guard producer.flush(timeoutMs: 60_000) else {
            throw ValidationError("the item records of --item-attributes were not all delivered within 60 s")
        }
        return ids.count
    }

    private func runDemo(cluster: MockCluster, logger: Logger) throws {
        var settings = try StreamRecConfiguration.load(file: config)
        let input = "streamrec.events", output = "streamrec.recommendations", dlq = "streamrec.dead-letter"
        try cluster.createTopic(input, partitions: partitions)
        try cluster.createTopic(output, partitions: partitions)
        try cluster.createTopic(dlq, partitions: 1)
        // The mock answers no CreateTopics request: the group's changelog topic is made here.
        try cluster.createTopic("streamrec-demo.state", partitions: partitions)
        try cluster.createTopic("streamrec-demo.item-updates", partitions: 1)
        try cluster.createTopic("streamrec-demo.models", partitions: 1)
        if let items = settings.pipeline.itemsTopic { try cluster.createTopic(items, partitions: 1) }

        settings.pipeline.bootstrapServers = cluster.bootstrapServers
        settings.pipeline.inputTopic = input
        settings.pipeline.outputTopic = output
        settings.pipeline.deadLetterTopic = dlq
        settings.pipeline.groupId = "streamrec-demo"
        settings.pipeline.stateDirectory = nil  // the demo's state lives and dies with the mock cluster
        settings.pipeline.commitIntervalMs = 1_000
        settings.pipeline.kafkaProperties["session.timeout.ms"] = settings.pipeline.kafkaProperties["session.timeout.ms"] ?? "6000"
        settings.pipeline.kafkaProperties["heartbeat.interval.ms"] = settings.pipeline.kafkaProperties["heartbeat.interval.ms"] ?? "500"
        settings.engine.model.seed = seed
        if let session { settings.engine.session.learning.enabled = session == "on" }
        let sessionOn = settings.engine.session.learning.enabled || settings.engine.session.snapshot != nil

        let attributes = try itemAttributes.map { try ItemAttributes.load(path: $0) }
        if let attributes {
            guard let topic = settings.pipeline.itemsTopic else {
                throw ValidationError("--item-attributes needs an item topic (kafka.items_topic is empty in the configuration)")
            }
            let sent = try Self.publish(attributes, topic: topic, bootstrapServers: cluster.bootstrapServers,
                                        maxAttributes: settings.engine.items.maxAttributes)
            printError("streamrec demo: \(sent) item records with attributes published on \(topic)")
        }

        let pipeline = try StreamPipeline(configuration: settings.pipeline, engine: settings.engine, logger: logger)
        let examples = ExampleLists()
        pipeline.onPublish = { examples.keep($0) }

        let replay = try self.input.map { try InteractionFileReader.read(path: $0, format: format.flatMap(InteractionFileFormat.init(rawValue:))) }
        let feeder = try DemoFeeder(bootstrapServers: cluster.bootstrapServers, topic: input,
                                    generator: GeneratorConfiguration(users: users, items: items, seed: seed),
                                    replay: replay, rate: rate, badFraction: badFraction, logger: logger)
        let stopSignal = StopSignal()
        // Weak: the handler may outlive this function, and the clients must be gone before the cluster.
        stopSignal.install { [weak pipeline, weak feeder] in pipeline?.stop(); feeder?.stop() }

        let pipelineDone = DispatchSemaphore(value: 0)
        let pipelineError = ErrorSlot()
        let pipelineThread = Thread {
            do { try pipeline.run() } catch { pipelineError.set(error) }
            pipelineDone.signal()
        }
        pipelineThread.name = "streamrec-pipeline"
        pipelineThread.start()
        let feederDone = DispatchSemaphore(value: 0)
        let feederThread = Thread { feeder.run(); feederDone.signal() }
        feederThread.name = "streamrec-feeder"
        feederThread.start()

        let toStderr = json
        let out: (String) -> Void = { line in
            if toStderr { printError(line) } else { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
        }
        out("streamrec demo: mock cluster at \(cluster.bootstrapServers), \(users) users, \(items) items, \(rate) events/s for \(seconds) s")
        let seriesFile = try series.map { try SeriesWriter(path: $0, columns: ["seconds", "events", "lists", "online_hr@10", "online_ndcg@10"]) }
        let started = Date()
        var previous = pipeline.statsSnapshot()
        var previousTime = started
        var firstApplied: Date?
        var replayDone = false
        // When the replay's last event was applied: the idle rounds after it are not stream time.
        var streamEnded: Date?
        while Date().timeIntervalSince(started) < seconds && !stopSignal.triggered {
            if let replay, feeder.finished, pipeline.statsSnapshot().applied + pipeline.statsSnapshot().deadLetteredTotal >= Int64(replay.count) {
                replayDone = true
                streamEnded = Date()
                break
            }
            Thread.sleep(forTimeInterval: min(1, max(0.05, seconds - Date().timeIntervalSince(started))))
            let now = Date()
            let s = pipeline.statsSnapshot()
            if firstApplied == nil && s.applied > 0 { firstApplied = now }
            let dt = now.timeIntervalSince(previousTime)
            let eps = Double(s.applied - previous.applied) / dt
            let lps = Double(s.listsPublished - previous.listsPublished) / dt
            out(String(format: "[%5.1fs] %7.0f events/s  %6.0f lists/s  users %6d  items %5d  lists %8d  dlq %5d  online HR@10 %.3f  NDCG@10 %.3f",
                       now.timeIntervalSince(started), eps, lps, s.users, s.items, s.listsPublished,
                       s.deadLetteredTotal, s.onlineHitRate, s.onlineNDCG))
            try seriesFile?.append([now.timeIntervalSince(started), Double(s.applied), Double(s.listsPublished),
                                    s.onlineHitRate, s.onlineNDCG])
            previous = s
            previousTime = now
        }
        // A replay that ran to its end reports the models as trained on it: the daemon stays up
        // while the stream is quiet for the session trainer's idle rounds (`session.idle_rounds`,
        // the round it is on finished and installed) and the MF learner's passes over the seen
        // items (`model.idle_epochs`).
        if replayDone {
            var lastRounds: Int64 = -1, lastEpochs: Int64 = -1
            while Date().timeIntervalSince(started) < seconds && !stopSignal.triggered {
                let (stats, epochs, mfOver, share) = pipeline.withCore {
                    ($0.sessionLearningStatistics, $0.mfIdleEpochs, $0.mfIdleReplayOver, $0.servingSessionFusion?.sessionShare)
                }
                if mfOver && (stats?.idleTrainingOver ?? true) { break }
                if let stats, stats.rounds != lastRounds {
                    lastRounds = stats.rounds
                    let ndcg = stats.lastValidationNDCG10.map { String(format: "%.4f", $0) } ?? "-"
                    out(String(format: "[%5.1fs] ", Date().timeIntervalSince(started))
                        + "stream quiet: the trainer goes on over the replay buffer (idle rounds \(stats.idleRounds), rounds \(stats.rounds), validation NDCG@10 \(ndcg), session share \(share.map { String(format: "%.3f", $0) } ?? "-"))")
                }
                if epochs != lastEpochs && epochs > 0 {
                    lastEpochs = epochs
                    out(String(format: "[%5.1fs] ", Date().timeIntervalSince(started))
                        + "stream quiet: MF passes over the seen items: \(epochs) of \(settings.engine.idleEpochs)")
                }
                Thread.sleep(forTimeInterval: 0.2)
            }
        }
        if replayDone { pipeline.withCore { $0.waitForSessionModel() } }
        feeder.stop()
        pipeline.stop()
        pipelineDone.wait()
        feederDone.wait()
        // The threads hold the pipeline and the feeder (and so their Kafka clients) until they
        // exit; the clients must be gone before the mock cluster is.
        while !pipelineThread.isFinished || !feederThread.isFinished { Thread.sleep(forTimeInterval: 0.005) }
        stopSignal.cancel()
        if let error = pipelineError.value { throw error }
        if let saveState {
            let writer = pipeline.withCore { $0.checkpoint(offsets: [:], writtenAtMs: Int64(Date().timeIntervalSince1970 * 1000)) }
            try writer.write(toPath: saveState)
        }

        let s = pipeline.statsSnapshot()
        let active = firstApplied.map { (streamEnded ?? Date()).timeIntervalSince($0) } ?? seconds
        out("\nexample lists (from the output topic's records):")
        for list in examples.latest(3) {
            let items = list.items.prefix(5).map { "\($0.item) \(String(format: "%.3f", $0.score))" }.joined(separator: ", ")
            out("  \(list.user): \(items)")
        }
        out(String(format: "done: %d events applied, %d lists published, %d dead-lettered, %d users, %d items, online HR@10 %.4f",
                   s.applied, s.listsPublished, s.deadLetteredTotal, s.users, s.items, s.onlineHitRate))
        if json {
            let object: [String: Any] = [
                "events": s.applied, "lists": s.listsPublished, "users": s.users, "items": s.items,
                "events_per_s": (Double(s.applied) / max(active, 1e-3) * 10).rounded() / 10,
                "online_hr@10": (s.onlineHitRate * 10_000).rounded() / 10_000,
                "online_ndcg@10": (s.onlineNDCG * 10_000).rounded() / 10_000,
                "dead_lettered": s.deadLetteredTotal,
                "lists_by_model": examples.byModel,
                "mf_idle_epochs": pipeline.withCore { $0.mfIdleEpochs },
            ].merging(sessionFields(pipeline, on: sessionOn)) { a, _ in a }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
    }
}

/// The session model's keys of the demo's JSON: `session` (`on`/`off`: compare a run with
/// `--session off`, the MF-alone baseline), the serving model's version (0: none yet), rounds
/// trained, the serving model's items with an attribute term, the last round's validation
/// NDCG@10, the trainer's CPU seconds, and the serving
/// fusion's session share (`session_fusion_share`, absent while no model serves).
private func sessionFields(_ pipeline: StreamPipeline, on: Bool) -> [String: Any] {
    let stats = pipeline.withCore { $0.sessionLearningStatistics }
    var fields: [String: Any] = ["session": on ? "on" : "off", "session_model_version": stats?.modelVersion ?? 0,
                                 "session_rounds": stats?.rounds ?? 0, "session_idle_rounds": stats?.idleRounds ?? 0, "session_attribute_items": stats?.attributeItems ?? 0,
                                 "session_warmed_users": stats?.warmedUsers ?? 0]
    if let ndcg = stats?.lastValidationNDCG10 { fields["session_validation_ndcg@10"] = (ndcg * 10_000).rounded() / 10_000 }
    if let cpu = stats?.trainerCPUSeconds { fields["session_trainer_cpu_s"] = (cpu * 100).rounded() / 100 }
    if let fusion = pipeline.withCore({ $0.servingSessionFusion }) {
        fields["session_fusion_share"] = (Double(fusion.sessionShare) * 10_000).rounded() / 10_000
    }
    return fields
}

/// Keeps the most recent lists for the demo's printout, and counts the lists published by what
/// ranked them (the records' `model` field).
final class ExampleLists: @unchecked Sendable {
    private let lock = NSLock()
    private var lists: [RecommendationList] = []
    private var models: [String: Int] = [:]
    func keep(_ list: RecommendationList) {
        lock.lock(); defer { lock.unlock() }
        lists.append(list)
        models[list.model, default: 0] += 1
        if lists.count > 64 { lists.removeFirst(32) }
    }
    /// Lists published so far by `model` field (`popularity`, `hybrid`, `session`, the MF model's name).
    var byModel: [String: Int] { lock.lock(); defer { lock.unlock() }; return models }
    func latest(_ n: Int) -> [RecommendationList] {
        lock.lock(); defer { lock.unlock() }
        var seen = Set<String>()
        return lists.reversed().filter { seen.insert($0.user).inserted }.prefix(n).map { $0 }
    }
}

/// One error handed across threads.
final class ErrorSlot: @unchecked Sendable {
    private let lock = NSLock()
    private var error: Error?
    func set(_ e: Error) { lock.lock(); error = e; lock.unlock() }
    var value: Error? { lock.lock(); defer { lock.unlock() }; return error }
}
