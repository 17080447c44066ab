import StreamRecTestKit
import Daemon
import Engine
import Events
import Foundation
import Kafka
import ServiceLifecycle
import Testing

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

    @Test("/metrics parses as Prometheus text and moves when events flow")
    func metricsMove() async throws {
        let registry = MetricsBootstrap.prometheus()
        let kafka = try KafkaTestHarness(partitions: 2)
        var engine = EngineConfiguration()
        engine.debounceMs = 0
        let logger = quietLogger()
        let pipeline = try StreamPipeline(configuration: kafka.pipelineConfiguration(group: "metrics", useGroup: false),
                                          engine: engine, logger: logger)
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
        let consumedBefore = before.total("streamrec_events_consumed_total") ?? 0
        let listsBefore = before.total("streamrec_lists_published_total") ?? 0
        #expect((before.total("process_resident_memory_bytes") ?? 0) > Double(1 << 20))

        var generator = EventGenerator(configuration: GeneratorConfiguration(users: 20, items: 40, seed: 9))
        for _ in 0..<500 { try kafka.send(generator.next()) }
        kafka.flush()
        #expect(await HTTPAPITests.eventually { pipeline.statsSnapshot().applied == 500 && pipeline.statsSnapshot().lag == 0 })
        try await Task.sleep(for: .milliseconds(1_200))  // gauges are refreshed once a second

        let after = try MetricsTextParser.parse(try await client.fetch("/metrics").text)
        #expect((after.total("streamrec_events_consumed_total") ?? 0) >= consumedBefore + 500)
        #expect((after.total("streamrec_events_applied_total") ?? -1) >= 0)
        #expect((after.total("streamrec_lists_published_total") ?? 0) > listsBefore)
        #expect((after.total("streamrec_update_seconds_count") ?? 0) > 0)
        #expect(after.contains { $0.name == "streamrec_update_seconds_bucket" && $0.labels["le"] == "+Inf" })
        #expect(after.contains { $0.name == "streamrec_consumer_partition_lag" && $0.labels["partition"] == "1" })
        for name in ["streamrec_users", "streamrec_items", "streamrec_model_bytes", "streamrec_online_hr_at_10",
                     "streamrec_online_ndcg_at_10", "streamrec_consumer_lag"] {
            #expect(after.contains { $0.name == name }, "missing \(name)")
        }

        await group.triggerGracefulShutdown()
        try await running.value
    }

    @Test("malformed exposition text is refused by the test parser")
    func parserRejects() {
        #expect(throws: MetricsTextParser.Failure.self) { try MetricsTextParser.parse("# TYPE x counter\nx{a=\"1\" 3\n") }
        #expect(throws: MetricsTextParser.Failure.self) { try MetricsTextParser.parse("untyped_metric 3\n") }
        #expect(throws: MetricsTextParser.Failure.self) { try MetricsTextParser.parse("# TYPE y gauge\ny three\n") }
    }
}
