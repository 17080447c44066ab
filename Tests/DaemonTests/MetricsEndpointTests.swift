import StreamRecTestKit
import Daemon
import Engine
import Events
import Foundation
import Kafka
import Prometheus
import ServiceLifecycle
import Testing
import Pipeline

@Suite("Prometheus exposition", .serialized)
struct MetricsEndpointTests {
    @Test("statm parsing: resident and virtual bytes from pages")
    func statm() throws {
        let memory = try #require(ProcessMemory.parse(statm: "2000 300 10 1 0 50 0\n", pageSize: 4096))
        #expect(memory.virtualBytes == 2000 * 4096)
        #expect(memory.residentBytes == 300 * 4096)
        #expect(ProcessMemory.parse(statm: "garbage", pageSize: 4096) == nil)
        #expect((ProcessMemory.current()?.residentBytes ?? 0) > 1 << 20)
    }

    @Test("/metrics counts exactly: consumed = produced, applied = produced − dead-lettered, per reason")
    func metricsMove() async throws {
        // A registry of its own, so pipelines of other suites running in parallel add nothing.
        let registry = PrometheusCollectorRegistry()
        let kafka = try KafkaTestHarness(partitions: 2)
        var engine = EngineConfiguration()
        engine.debounceMs = 0
        let logger = quietLogger()
        let pipeline = try StreamPipeline(configuration: kafka.pipelineConfiguration(group: "metrics", useGroup: false),
                                          engine: engine, logger: logger,
                                          metricsFactory: MetricsBootstrap.factory(for: registry))
        let api = RecommendationAPI(pipeline: pipeline, cache: ListCache(capacity: 100), intake: nil,
                                    metrics: MetricsExposition(registry: registry),
                                    configuration: HTTPServiceConfiguration(port: 0), logger: logger)
        let http = HTTPService(api: api, logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: PipelineService(pipeline: pipeline, logger: logger)), .init(service: http)], logger: logger))
        let running = Task { try await group.run() }
        let client = HTTPTestClient(port: try #require(await http.boundPort()))

        let first = try await client.fetch("/metrics")
        #expect(first.status == 200)
        #expect(first.headers["content-type"]?.hasPrefix("text/plain") == true)
        let before = try MetricsTextParser.parse(first.text)
        #expect((before.total("streamrec_events_consumed_total") ?? 0) == 0)
        #expect((before.total("process_resident_memory_bytes") ?? 0) > Double(1 << 20))

        var generator = EventGenerator(configuration: GeneratorConfiguration(users: 20, items: 40, seed: 9))
        for _ in 0..<500 { try kafka.send(generator.next()) }
        for i in 0..<13 { try kafka.sendRaw(key: "u\(i)", value: Array("not json \(i)".utf8)) }
        for i in 0..<7 { try kafka.sendRaw(key: "u\(i)", value: Array(#"{"item":"i1"}"#.utf8)) }
        kafka.flush()
        #expect(await HTTPAPITests.eventually { pipeline.statsSnapshot().consumed == 520 && pipeline.statsSnapshot().lag == 0 })
        try await Task.sleep(for: .milliseconds(1_200))  // gauges are refreshed once a second

        let after = try MetricsTextParser.parse(try await client.fetch("/metrics").text)
        #expect(after.total("streamrec_events_consumed_total") == 520)
        #expect(after.total("streamrec_events_applied_total") == 500)
        let deadLettered = after.filter { $0.name == "streamrec_events_dead_lettered_total" }
        var byReason: [String: Double] = [:]
        for sample in deadLettered { byReason[sample.labels["reason"] ?? "", default: 0] += sample.value }
        #expect(byReason == ["not_json": 13, "missing_field": 7])
        let appliedTotal: Double = after.total("streamrec_events_applied_total") ?? -1
        let deadTotal: Double = byReason.values.reduce(0, +)
        #expect(appliedTotal + deadTotal == after.total("streamrec_events_consumed_total"))
        #expect(Int64(after.total("streamrec_lists_published_total") ?? -1) == pipeline.statsSnapshot().listsPublished)
        #expect((after.total("streamrec_lists_published_total") ?? 0) > 0)
        // One observation per poll batch that held messages; never more than the messages.
        let batches = after.total("streamrec_update_seconds_count") ?? 0
        #expect(batches >= 1 && batches <= 520)
        #expect(after.contains { $0.name == "streamrec_update_seconds_bucket" && $0.labels["le"] == "+Inf" })
        #expect(after.contains { $0.name == "streamrec_consumer_partition_lag" && $0.labels["partition"] == "1" })
        for name in ["streamrec_users", "streamrec_items", "streamrec_model_bytes", "streamrec_online_hr_at_10",
                     "streamrec_online_ndcg_at_10", "streamrec_consumer_lag", "streamrec_mf_idle_epochs"] {
            #expect(after.contains { $0.name == name }, "missing \(name)")
        }
        #expect(after.total("streamrec_users") == 20)

        await group.triggerGracefulShutdown()
        try await running.value
    }

    @Test("series named _total are Prometheus counters; gauges are not named _total")
    func countersAreCounters() throws {
        let registry = PrometheusCollectorRegistry()
        let kafka = try KafkaTestHarness(partitions: 1)
        let pipeline = try StreamPipeline(configuration: kafka.pipelineConfiguration(group: "types", useGroup: false),
                                          engine: EngineConfiguration(), logger: quietLogger(),
                                          metricsFactory: MetricsBootstrap.factory(for: registry))
        _ = pipeline
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        let text = String(decoding: buffer, as: UTF8.self)
        var types: [String: String] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("# TYPE ") {
            let parts = line.split(separator: " ")
            types[String(parts[2])] = String(parts[3])
        }
        #expect(types["streamrec_users_evicted_total"] == "counter")
        #expect(types["streamrec_session_spilled_total"] == "counter")
        #expect(types["streamrec_session_restored_total"] == "counter")
        #expect(types["streamrec_events_applied_total"] == "counter")
        let wrong = types.filter { $0.key.hasSuffix("_total") && $0.value != "counter" }
        #expect(wrong.isEmpty, "gauges named _total: \(wrong.keys.sorted())")
        #expect(types.count >= 20)
    }

    @Test("malformed exposition text is refused by the test parser")
    func parserRejects() {
        #expect(throws: MetricsTextParser.Failure.self) { try MetricsTextParser.parse("# TYPE x counter\nx{a=\"1\" 3\n") }
        #expect(throws: MetricsTextParser.Failure.self) { try MetricsTextParser.parse("untyped_metric 3\n") }
        #expect(throws: MetricsTextParser.Failure.self) { try MetricsTextParser.parse("# TYPE y gauge\ny three\n") }
    }
}
