import StreamRecTestKit
import Daemon
import Engine
import Pipeline
import Foundation
import Kafka
import ServiceLifecycle
import Testing

/// The bearer token of the HTTP API (`http.auth_token_file`), on the real Hummingbird server.
@Suite("HTTP API bearer token", .serialized)
struct HTTPAuthTests {
    static let token = "s3cret-Token_42"

    /// A file holding `text`; returns its path.
    static func file(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("srtoken-\(UUID().uuidString)").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("with a token, /v1 needs it: missing or wrong → 401 JSON with WWW-Authenticate, right → 2xx; probes stay open")
    func tokenRequired() async throws {
        let kafka = try KafkaTestHarness(partitions: 1)
        let engine = EngineConfiguration()
        let logger = quietLogger()
        let pipeline = try StreamPipeline(configuration: kafka.pipelineConfiguration(group: "http-auth", useGroup: false),
                                          engine: engine, logger: logger)
        let intake = try EventIntake(topic: kafka.input,
                                     producerProperties: ["bootstrap.servers": kafka.cluster.bootstrapServers, "linger.ms": "1"],
                                     limits: engine.eventLimits, maxOutstanding: 1_000)
        // The token as the configuration reads it from its file (white space around it trimmed).
        var settings = StreamRecConfiguration()
        try settings.set("http.auth_token_file", try Self.file("  \(Self.token)\n\n"))
        #expect(settings.httpAuthToken == Self.token)
        var http = settings.http
        http.port = 0
        let api = RecommendationAPI(pipeline: pipeline, cache: ListCache(capacity: 100), intake: intake,
                                    metrics: MetricsExposition(registry: MetricsBootstrap.prometheus()),
                                    configuration: http, logger: logger)
        let service = HTTPService(api: api, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [.init(service: service)], logger: logger))
        let running = Task { try await group.run() }
        let client = HTTPTestClient(port: try #require(await service.boundPort()))
        let event = Array(#"{"user":"u1","item":"i1","type":"click"}"#.utf8)

        for path in ["/healthz", "/metrics"] {
            #expect(try await client.fetch(path).status == 200, "\(path) is open")
        }
        #expect(try await client.fetch("/readyz").status == 503)  // open: not ready, but not 401

        let missing = try await client.submit("/v1/events", body: event)
        #expect(missing.status == 401)
        #expect(missing.json?["error"] as? String == "unauthorized")
        #expect(missing.json?["reason"] as? String == "this endpoint needs an Authorization: Bearer <token> header")
        #expect(missing.headers["www-authenticate"] == #"Bearer realm="streamrec""#)
        #expect(missing.headers["content-type"]?.hasPrefix("application/json") == true)

        for wrong in ["Bearer s3cret-Token_43", "Bearer s3cret-Token_4", "Bearer \(Self.token)x", "Bearer "] {
            let reply = try await client.submit("/v1/events", body: event, headers: [("Authorization", wrong)])
            #expect(reply.status == 401, "\(wrong)")
            #expect(reply.json?["error"] as? String == "unauthorized")
            #expect(reply.headers["www-authenticate"]?.hasPrefix("Bearer") == true)
        }
        let basic = try await client.submit("/v1/events", body: event, headers: [("Authorization", "Basic dTpw")])
        #expect(basic.status == 401)
        #expect(basic.json?["reason"] as? String == "the Authorization header is not of the Bearer scheme")
        let wrong = try await client.submit("/v1/events", body: event, headers: [("Authorization", "Bearer nope")])
        #expect(wrong.json?["reason"] as? String == "the bearer token is not the configured one")

        for scheme in ["Bearer", "bearer"] {
            let right = try await client.submit("/v1/events", body: event, headers: [("Authorization", "\(scheme) \(Self.token)")])
            #expect(right.status == 202, "\(scheme): \(right.text)")
            #expect(right.json?["accepted"] as? Int == 1)
        }

        // Every /v1 path: the queries too, and unknown ones (401 before 404).
        for path in ["/v1/users/u1/recommendations", "/v1/items/i1/similar", "/v1/nothing"] {
            #expect(try await client.fetch(path).status == 401, "\(path)")
        }
        let query = try await client.fetch("/v1/users/nobody/recommendations", headers: [("Authorization", "Bearer \(Self.token)")])
        #expect(query.status == 404 && query.json?["error"] as? String == "not_found")

        await group.triggerGracefulShutdown()
        try await running.value
    }

    @Test("a non-loopback address without a token is a configuration error, and the server does not bind")
    func nonLoopbackNeedsToken() async throws {
        var settings = StreamRecConfiguration()
        try settings.set("http.address", "0.0.0.0")
        #expect {
            try settings.validate()
        } throws: { error in
            error is ConfigurationError && String(describing: error).contains("http.auth_token_file")
                && String(describing: error).contains("0.0.0.0")
        }
        try settings.set("http.port", "0")  // HTTP off: nothing to refuse
        try settings.validate()
        try settings.set("http.port", "8080")
        try settings.set("http.auth_token_file", try Self.file(Self.token))
        try settings.validate()

        // The service refuses too, before binding.
        let kafka = try KafkaTestHarness(partitions: 1)
        let logger = quietLogger()
        let pipeline = try StreamPipeline(configuration: kafka.pipelineConfiguration(group: "http-open", useGroup: false),
                                          engine: EngineConfiguration(), logger: logger)
        let api = RecommendationAPI(pipeline: pipeline, cache: ListCache(capacity: 10), intake: nil, metrics: nil,
                                    configuration: HTTPServiceConfiguration(address: "0.0.0.0", port: 0), logger: logger)
        let service = HTTPService(api: api, logger: logger)
        await #expect(throws: ConfigurationError.self) { try await service.run() }
        #expect(await service.boundPort() == nil)
    }

    @Test("loopback addresses", arguments: [
        ("127.0.0.1", true), ("127.1.2.3", true), ("::1", true), ("[::1]", true), ("localhost", true),
        ("::ffff:127.0.0.1", true), ("0.0.0.0", false), ("10.0.0.5", false), ("::", false),
        ("128.0.0.1", false), ("127.0.0", false), ("example.com", false), ("", false),
    ])
    func loopback(address: String, expected: Bool) {
        #expect(HTTPServiceConfiguration.isLoopback(address) == expected)
    }

    @Test("the token file: unreadable, empty or with inner white space is refused with the key named")
    func tokenFileErrors() throws {
        for (contents, mention) in [(nil as String?, "cannot read the token file"), (" \n\t\n", "is empty"), ("two words", "white space")] {
            let path = try contents.map { try Self.file($0) } ?? "/nonexistent/streamrec-token"
            var settings = StreamRecConfiguration()
            #expect {
                try settings.set("http.auth_token_file", path)
            } throws: { error in
                let text = String(describing: error)
                return text.contains("http.auth_token_file") && text.contains(mention) && text.contains(path)
            }
        }
        var settings = StreamRecConfiguration()
        try settings.set("http.auth_token_file", "")
        #expect(settings.httpAuthToken == nil && settings.httpAuthTokenFile == nil)
    }
}
