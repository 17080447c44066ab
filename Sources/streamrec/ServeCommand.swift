import ArgumentParser
import Daemon
import Engine
import Foundation
import Logging
import ServiceLifecycle
import Pipeline

/// `streamrec serve`: the daemon.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the recommender daemon against a Kafka cluster.",
        discussion: """
        Consumes the input topic in a consumer group, applies each event to the online model, \
        publishes refreshed top-K lists to the output topic, sends bad messages to the dead-letter \
        topic with the reason in a header, and commits offsets. Settings come from the YAML file, \
        then STREAMREC_* environment variables, then these flags. SIGTERM or SIGINT drains and exits 0; \
        SIGHUP reads the file again and applies the session keys that can change live (logged).
        """
    )

    @Option(help: "YAML configuration file (see config/streamrec.yaml for every key and its default).")
    var config: String?

    @OptionGroup var kafka: KafkaOptions

    @Flag(help: "Print the effective configuration keys and exit.")
    var printKeys = false

    func run() async throws {
        if printKeys {
            StreamRecConfiguration.knownKeys.forEach { print($0) }
            return
        }
        var settings = try StreamRecConfiguration.load(file: config)
        kafka.apply(to: &settings)
        try settings.validate()
        let logger = LoggingSetup.logger(level: settings.logLevel)
        // Metrics go to Prometheus from here on: bootstrap before the pipeline creates its handles.
        let exposition = settings.metricsEnabled ? MetricsExposition(registry: MetricsBootstrap.prometheus()) : nil
        try FileManager.default.createDirectory(atPath: settings.stateDirectory, withIntermediateDirectories: true)

        let notifier = SystemdNotifier()
        let pipeline = try StreamPipeline(configuration: settings.pipeline, engine: settings.engine, logger: logger)
        pipeline.onReady = { notifier.ready(status: "assigned; consuming") }
        logger.info("streamrec serving \(settings.pipeline.inputTopic) → \(settings.pipeline.outputTopic) via \(settings.pipeline.bootstrapServers)")

        // Graceful shutdown runs in reverse order: the HTTP API stops accepting first, then the
        // pipeline drains (publish, flush, checkpoint, commit), then the watchdog stops.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: WatchdogService(notifier: notifier, pipeline: pipeline)),
            .init(service: PipelineService(pipeline: pipeline, logger: logger, onShutdown: { notifier.stopping() }),
                  successTerminationBehavior: .gracefullyShutdownGroup),
        ]
        if settings.httpPort != 0 {
            let intake = settings.httpAcceptEvents
                ? try EventIntake(topic: settings.pipeline.inputTopic, producerProperties: settings.pipeline.producerProperties(),
                                  limits: settings.engine.eventLimits, maxOutstanding: settings.pipeline.maxOutstandingLists)
                : nil
            let api = RecommendationAPI(pipeline: pipeline, cache: ListCache(capacity: settings.httpListCacheSize),
                                        intake: intake, metrics: exposition, configuration: settings.http, logger: logger)
            services.append(.init(service: HTTPService(api: api, logger: logger),
                                  successTerminationBehavior: .gracefullyShutdownGroup))
        }
        // SIGHUP (`systemctl reload`): read the file again (the session snapshot too) and apply
        // the session keys that can change live; the log says what changed.
        let reload = ReloadSignal()
        let file = config
        reload.install {
            do {
                // Only session keys change live; the command-line flags name Kafka and state settings.
                let fresh = try StreamRecConfiguration.load(file: file)
                try fresh.engine.session.learning.validate()
                let notes = pipeline.withCore { $0.reloadSession(fresh.engine.session, snapshotChanged: fresh.engine.session.snapshot != nil) }
                logger.notice("reload: \(notes.isEmpty ? "no session setting changed" : notes.joined(separator: "; ")); other keys take effect after a restart")
            } catch {
                logger.error("reload failed, the running configuration stays: \(error)")
            }
        }
        defer { reload.cancel() }
        let group = ServiceGroup(configuration: .init(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
        let s = pipeline.statsSnapshot()
        logger.info("exiting: applied \(s.applied) events, published \(s.listsPublished) lists, dead-lettered \(s.deadLetteredTotal)")
    }
}
