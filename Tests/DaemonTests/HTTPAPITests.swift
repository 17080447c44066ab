import StreamRecTestKit
import Daemon
import Engine
import Events
import Foundation
import Kafka
import Logging
import ServiceLifecycle
import Testing
import Pipeline

/// Records the order of lifecycle steps from several threads.
final class LifecycleOrder: @unchecked Sendable {
    private let lock = NSLock()
    private var steps: [String] = []
    func append(_ step: String) { lock.lock(); steps.append(step); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return steps }
}

/// The HTTP API served by the real Hummingbird server on 127.0.0.1 over a pipeline on
/// librdkafka's mock cluster, all in one service group.
@Suite("HTTP API on the mock cluster", .serialized)
struct HTTPAPITests {
    static let users = 60, items = 90, events = 3_000

    /// Polls `condition` every 50 ms until it holds or `timeout` seconds pass.
    static func eventually(_ timeout: Double = 30, _ condition: () async throws -> Bool) async rethrows -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }

    @Test("readiness, queries equal to the output topic, similar items, posted events, JSON errors, ordered shutdown")
    func servesTheLoop() async throws {
        let registry = MetricsBootstrap.prometheus()
        let kafka = try KafkaTestHarness(partitions: 3)
        var engine = EngineConfiguration()
        engine.debounceMs = 0
        engine.model.seed = 11
        let logger = quietLogger()
        let pipeline = try StreamPipeline(configuration: kafka.pipelineConfiguration(group: "http-api"), engine: engine, logger: logger)
        let intake = try EventIntake(topic: kafka.input,
                                     producerProperties: ["bootstrap.servers": kafka.cluster.bootstrapServers, "linger.ms": "1"],
                                     limits: engine.eventLimits, maxOutstanding: 10_000)
        let api = RecommendationAPI(pipeline: pipeline, cache: ListCache(capacity: 10_000), intake: intake,
                                    metrics: MetricsExposition(registry: registry),
                                    configuration: HTTPServiceConfiguration(port: 0, readyMaxLag: 0, maxBodyBytes: 4_096),
                                    logger: logger)
        let order = LifecycleOrder()
        let http = HTTPService(api: api, logger: logger, onStopped: { order.append("http stopped") })
        let service = PipelineService(pipeline: pipeline, logger: logger, onShutdown: { order.append("pipeline draining") })
        let group = ServiceGroup(configuration: .init(services: [.init(service: service), .init(service: http)], logger: logger))
        let running = Task { try await group.run() }

        let port = try #require(await http.boundPort())
        let client = HTTPTestClient(port: port)

        // Alive at once; not ready before the group join finishes (about 3 s on the mock).
        let health = try await client.fetch("/healthz")
        #expect(health.status == 200)
        #expect(health.json?["status"] as? String == "alive")

        // Events through Kafka.
        var generator = EventGenerator(configuration: GeneratorConfiguration(users: Self.users, items: Self.items, seed: 5))
        for _ in 0..<Self.events { try kafka.send(generator.next()) }
        kafka.flush()
        #expect(await Self.eventually { pipeline.statsSnapshot().applied == Int64(Self.events) })

        // Ready once assigned and caught up (lag 0 allowed here).
        let ready = try await Self.eventually {
            try await client.fetch("/readyz").status == 200
        }
        let readyText = try await client.fetch("/readyz").text
        #expect(ready, "readyz: \(readyText)")

        // Quiet: every refresh done, no list in flight.
        var published = pipeline.statsSnapshot().listsPublished
        _ = await Self.eventually {
            try? await Task.sleep(for: .milliseconds(300))
            let now = pipeline.statsSnapshot().listsPublished
            defer { published = now }
            return now == published && pipeline.withCore { $0.dirtyCount } == 0
        }

        // The query endpoint returns the records subscribers saw on the output topic.
        let records = try await offPool { try kafka.readAll(kafka.output, partitions: kafka.partitions) }
        var latest: [String: ParsedList] = [:]
        for record in records.sorted(by: { ($0.partition, $0.offset) < ($1.partition, $1.offset) }) {
            if let list = record.list { latest[list.user] = list }
        }
        #expect(latest.count == Self.users)
        for (user, list) in latest.sorted(by: { $0.key < $1.key }) {
            let reply = try await client.fetch("/v1/users/\(user)/recommendations")
            #expect(reply.status == 200)
            #expect(reply.headers["streamrec-list"] == "published", "\(user)")
            let items = (reply.json?["items"] as? [[String: Any]])?.compactMap { $0["item"] as? String }
            #expect(items == list.items, "\(user): API \(items ?? []) vs topic \(list.items)")
            #expect(reply.json?["version"] as? Int == list.version)
        }
        // A longer list than was published is computed now.
        let someUser = try #require(latest.keys.sorted().first)
        let longer = try await client.fetch("/v1/users/\(someUser)/recommendations?k=20")
        #expect(longer.status == 200)
        #expect(longer.headers["streamrec-list"] == "computed")
        let longerScores = (longer.json?["items"] as? [[String: Any]])?.compactMap { ($0["score"] as? NSNumber)?.floatValue } ?? []
        #expect(longerScores.count == 20)
        #expect(longerScores == longerScores.sorted(by: >))

        // Similar items: cosine over the item factors, itself excluded, best first.
        let similar = try await client.fetch("/v1/items/i3/similar?k=5")
        #expect(similar.status == 200)
        let neighbours = (similar.json?["items"] as? [[String: Any]]) ?? []
        let names = neighbours.compactMap { $0["item"] as? String }
        let scores = neighbours.compactMap { ($0["score"] as? NSNumber)?.doubleValue }
        #expect(names.count == 5 && !names.contains("i3"))
        #expect(scores == scores.sorted(by: >) && scores.allSatisfy { $0 >= -1.0001 && $0 <= 1.0001 })
        let expected = pipeline.withCore { core -> (String, Double) in
            let f = core.model.itemFactors
            let q = core.items.index(of: "i3")!
            func cosine(_ a: Int, _ b: Int) -> Double {
                var dot = 0.0, na = 0.0, nb = 0.0
                for j in 0..<f.cols {
                    let x = Double(f.row(a)[j]), y = Double(f.row(b)[j])
                    dot += x * y; na += x * x; nb += y * y
                }
                return dot / (na.squareRoot() * nb.squareRoot())
            }
            let best = (0..<core.items.count).filter { $0 != Int(q) }.max { cosine(Int(q), $0) < cosine(Int(q), $1) }!
            return (core.items.id(at: Int32(best)), cosine(Int(q), best))
        }
        #expect(names.first == expected.0)
        #expect(abs((scores.first ?? 0) - expected.1) < 1e-4)

        // Bad requests: 4xx with a JSON reason.
        let bad: [(String, Int, String)] = [
            ("/v1/users/\(someUser)/recommendations?k=0", 400, "bad_request"),
            ("/v1/users/\(someUser)/recommendations?k=ten", 400, "bad_request"),
            ("/v1/users/\(someUser)/recommendations?k=100000", 400, "bad_request"),
            ("/v1/users/nobody/recommendations", 404, "not_found"),
            ("/v1/items/nothing/similar", 404, "not_found"),
            ("/v1/items/i3/similar?k=-2", 400, "bad_request"),
            ("/v2/whatever", 404, "not_found"),
        ]
        for (path, status, code) in bad {
            let reply = try await client.fetch(path)
            #expect(reply.status == status, "\(path): \(reply.status) \(reply.text)")
            #expect(reply.json?["error"] as? String == code, "\(path): \(reply.text)")
            #expect((reply.json?["reason"] as? String)?.isEmpty == false, "\(path): \(reply.text)")
        }
        let missing = try await client.submit("/v1/events", body: Array(#"{"item":"i1"}"#.utf8))
        #expect(missing.status == 400)
        #expect(missing.json?["error"] as? String == "invalid_event")
        #expect((missing.json?["reason"] as? String)?.contains("missing_field") == true, "\(missing.text)")
        let secondBad = try await client.submit("/v1/events", body: Array("{\"user\":\"z\",\"item\":\"i1\"}\n{\"user\":\"z\",\"item\":\"i1\",\"type\":\"teleport\"}".utf8))
        #expect(secondBad.status == 400)
        #expect((secondBad.json?["reason"] as? String)?.hasPrefix("line 2: unknown_type") == true, "\(secondBad.text)")
        let empty = try await client.submit("/v1/events", body: [])
        #expect(empty.status == 400)
        let huge = try await client.submit("/v1/events", body: Array(repeating: UInt8(ascii: " "), count: 5_000))
        #expect(huge.status == 413, "\(huge.status) \(huge.text)")
        #expect(huge.json?["error"] as? String == "payload_too_large")

        // Posted events flow through the input topic like any other.
        let before = pipeline.statsSnapshot().applied
        let posted = ["i1", "i2", "i4", "i5"].map { #"{"user":"via-http","item":"\#($0)","type":"purchase"}"# }
        let accepted = try await client.submit("/v1/events", body: Array(posted.joined(separator: "\n").utf8))
        #expect(accepted.status == 202, "\(accepted.text)")
        #expect(accepted.json?["accepted"] as? Int == 4)
        #expect(await Self.eventually { pipeline.statsSnapshot().applied == before + 4 })
        let fresh = try await client.fetch("/v1/users/via-http/recommendations")
        #expect(fresh.status == 200)
        let freshItems = (fresh.json?["items"] as? [[String: Any]])?.compactMap { $0["item"] as? String } ?? []
        #expect(freshItems.count == 10 && Set(freshItems).isDisjoint(with: ["i1", "i2", "i4", "i5"]), "\(freshItems)")
        #expect(pipeline.statsSnapshot().deadLetteredTotal == 0, "refused HTTP bodies must not reach the topic")

        // Ordered shutdown: the API stops accepting, then the pipeline drains.
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(order.all == ["http stopped", "pipeline draining"])
        #expect(throws: (any Error).self) { try HTTPTestClient(port: port).get("/healthz") }
    }

    @Test("/readyz answers 503 with a reason while no partition is assigned, /healthz 200")
    func notReadyBeforeAssignment() async throws {
        let kafka = try KafkaTestHarness(partitions: 1)
        let logger = quietLogger()
        // The pipeline is built but never run: it holds no partition for the whole test.
        let pipeline = try StreamPipeline(configuration: kafka.pipelineConfiguration(group: "not-ready"),
                                          engine: EngineConfiguration(), logger: logger)
        let api = RecommendationAPI(pipeline: pipeline, cache: ListCache(capacity: 10), intake: nil,
                                    metrics: MetricsExposition(registry: MetricsBootstrap.prometheus()),
                                    configuration: HTTPServiceConfiguration(port: 0, readyMaxLag: 0), logger: logger)
        let http = HTTPService(api: api, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [.init(service: http)], logger: logger))
        let running = Task { try await group.run() }
        let client = HTTPTestClient(port: try #require(await http.boundPort()))
        #expect(try await client.fetch("/healthz").status == 200)
        let early = try await client.fetch("/readyz")
        #expect(early.status == 503)
        #expect(early.json?["error"] as? String == "unavailable")
        #expect(early.json?["reason"] as? String == "no input partitions assigned yet")
        await group.triggerGracefulShutdown()
        try await running.value
    }
}
