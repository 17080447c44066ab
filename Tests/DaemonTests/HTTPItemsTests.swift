import Daemon
import Engine
import Events
import Foundation
import Kafka
import Pipeline
import Prometheus
import ServiceLifecycle
import StreamRecTestKit
import Testing

/// `GET /v1/items/{id}` and the `?attribute=` / `?exclude=` list filters, served by the real
/// HTTP server over a pipeline that follows the item topic on the mock cluster.
@Suite("HTTP item endpoints on the mock cluster", .serialized)
struct HTTPItemsTests {
    @Test("item descriptions, availability from the topic, attribute and exclude filters, and their errors")
    func itemsAndFilters() async throws {
        let kafka = try KafkaTestHarness(partitions: 1)
        let stream = ClusterStream()
        for record in stream.itemRecords { try kafka.sendItem(record) }
        try kafka.sendItem(ItemRecord(item: "plain", timestampMs: 1_700_000_000_123))
        for event in stream.events { try kafka.send(event) }
        kafka.flush()
        var configuration = kafka.pipelineConfiguration(group: "http-items", useGroup: false)
        configuration.itemsTopic = kafka.items
        var engine = EngineConfiguration()
        engine.topK = 5
        engine.debounceMs = 0
        let logger = quietLogger()
        let registry = PrometheusCollectorRegistry()
        let pipeline = try StreamPipeline(configuration: configuration, engine: engine, logger: logger,
                                          metricsFactory: MetricsBootstrap.factory(for: registry))
        let api = RecommendationAPI(pipeline: pipeline, cache: ListCache(capacity: 1_000), intake: nil,
                                    metrics: MetricsExposition(registry: registry),
                                    configuration: HTTPServiceConfiguration(port: 0, readyMaxLag: 0), logger: logger)
        let http = HTTPService(api: api, logger: logger)
        let service = PipelineService(pipeline: pipeline, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [.init(service: service), .init(service: http)], logger: logger))
        let running = Task { try await group.run() }
        let port = try #require(await http.boundPort())
        let client = HTTPTestClient(port: port)
        #expect(await HTTPAPITests.eventually { pipeline.statsSnapshot().applied == Int64(stream.events.count) })

        let clicksOfA1 = stream.events.filter { $0.item == "a1" }.count
        let a1 = try await client.fetch("/v1/items/a1")
        #expect(a1.status == 200)
        #expect(a1.json?["available"] as? Bool == true)
        #expect(a1.json?["attributes"] as? [String] == ["taste-a", "sku-a1"])
        #expect(a1.json?["interactions"] as? Int == clicksOfA1)
        #expect(a1.json?["vector"] as? String == "learned")
        #expect(a1.json?["from_item_topic"] as? Bool == true)
        let plain = try await client.fetch("/v1/items/plain")
        #expect(plain.status == 200)
        #expect(plain.json?["interactions"] as? Int == 0)
        #expect(plain.json?["vector"] as? String == "none")
        #expect(plain.json?["ts"] as? Int == 1_700_000_000_123)
        #expect(try await client.fetch("/v1/items/nothing-like-it").status == 404)

        try kafka.sendItem(ItemRecord(item: "a2", available: false, attributes: ["taste-a"]))
        kafka.flush()
        #expect(try await HTTPAPITests.eventually { try await client.fetch("/v1/items/a2").json?["available"] as? Bool == false })

        // The gauges (refreshed once a second): 24 cluster items, `plain` and `a2`'s second record.
        let described = stream.itemRecords.count + 2
        #expect(try await HTTPAPITests.eventually {
            let samples = try MetricsTextParser.parse(try await client.fetch("/metrics").text)
            return samples.total("streamrec_item_records") == Double(described) && samples.total("streamrec_items_unavailable") == 1
        })
        let samples = try MetricsTextParser.parse(try await client.fetch("/metrics").text)
        #expect(samples.total("streamrec_items_side_vectors") == 0)
        #expect(samples.total("streamrec_item_catch_up_seconds") != nil)

        let similar = try await client.fetch("/v1/items/a1/similar?k=30")
        let neighbours = (similar.json?["items"] as? [[String: Any]])?.compactMap { $0["item"] as? String } ?? []
        #expect(neighbours.count == stream.itemRecords.count - 2, "\(neighbours)")
        #expect(!neighbours.contains("a2") && !neighbours.contains("a1"))

        let user = "c0u0"
        let onlyB = try await client.fetch("/v1/users/\(user)/recommendations?attribute=taste-b")
        #expect(onlyB.status == 200)
        #expect(onlyB.headers["streamrec-list"] == "computed")
        let bItems = (onlyB.json?["items"] as? [[String: Any]])?.compactMap { $0["item"] as? String } ?? []
        #expect(bItems.count == 5)
        #expect(bItems.allSatisfy { $0.hasPrefix("b") }, "\(bItems)")
        let plainList = try await client.fetch("/v1/users/\(user)/recommendations")
        let top = (plainList.json?["items"] as? [[String: Any]])?.compactMap { $0["item"] as? String } ?? []
        #expect(top.count == 5 && !top.contains("a2"))
        let excluded = try await client.fetch("/v1/users/\(user)/recommendations?exclude=\(top[0]),\(top[1])")
        let rest = (excluded.json?["items"] as? [[String: Any]])?.compactMap { $0["item"] as? String } ?? []
        #expect(Array(rest.prefix(3)) == Array(top.dropFirst(2)))
        #expect(!rest.contains(top[0]) && !rest.contains(top[1]) && !rest.contains("a2"))

        let emptyAttribute = try await client.fetch("/v1/users/\(user)/recommendations?attribute=")
        #expect(emptyAttribute.status == 400)
        #expect(emptyAttribute.json?["error"] as? String == "bad_request")
        let emptyExclude = try await client.fetch("/v1/users/\(user)/recommendations?exclude=,")
        #expect(emptyExclude.status == 400)
        #expect(try await client.fetch("/v1/users/nobody/recommendations?attribute=taste-a").status == 404)

        await group.triggerGracefulShutdown()
        try await running.value
    }
}
