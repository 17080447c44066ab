import Daemon
import Engine
import Events
import Foundation
import Kafka
import Pipeline
import ServiceLifecycle
import StreamRecTestKit
import Testing

/// Queries go to the owner: with two members in one group, an instance answers for the users of
/// its own partitions and refuses the others with 404 and the partition in a header.
@Suite("HTTP queries answered by the owner of the user's partition", .serialized)
struct OwnerQueryTests {
    @Test("a user of another member's partition gets 404 with streamrec-partition; an own user 200")
    func ownerOnly() async throws {
        let kafka = try KafkaTestHarness(partitions: 4)
        var engine = EngineConfiguration()
        engine.debounceMs = 0
        let logger = quietLogger()
        let a = try StreamPipeline(configuration: kafka.pipelineConfiguration(group: "owners"), engine: engine, logger: logger)
        let b = PipelineRunner(try StreamPipeline(configuration: kafka.pipelineConfiguration(group: "owners"),
                                                  engine: engine, logger: logger))
        let api = RecommendationAPI(pipeline: a, cache: ListCache(capacity: 1_000), intake: nil, metrics: nil,
                                    configuration: HTTPServiceConfiguration(port: 0), logger: logger)
        let http = HTTPService(api: api, logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: PipelineService(pipeline: a, logger: logger)), .init(service: http)], logger: logger))
        let running = Task { try await group.run() }
        let client = HTTPTestClient(port: try #require(await http.boundPort()))

        var generator = EventGenerator(configuration: GeneratorConfiguration(users: 60, items: 80, seed: 8))
        for _ in 0..<2_000 { try kafka.send(generator.next()) }
        kafka.flush()
        #expect(await HTTPAPITests.eventually(60) {
            let sa = a.statsSnapshot(), sb = b.pipeline.statsSnapshot()
            return sa.assignedPartitions.count + sb.assignedPartitions.count == 4 && !sa.assignedPartitions.isEmpty
                && !sb.assignedPartitions.isEmpty && sa.appliedOwned + sb.appliedOwned == 2_000 && sa.lag == 0 && sb.lag == 0
        })
        let bPartitions = Set(b.pipeline.statsSnapshot().assignedPartitions)
        let users = (0..<60).map { "u\($0)" }
        let theirs = try #require(users.first { b.pipeline.ownership(ofUser: $0).owned })
        let ours = try #require(users.first { a.ownership(ofUser: $0).owned })
        let refused = try await client.fetch("/v1/users/\(theirs)/recommendations")
        #expect(refused.status == 404)
        #expect(refused.json?["error"] as? String == "not_found")
        #expect((refused.json?["reason"] as? String)?.contains("does not own") == true)
        let partition = try #require(refused.headers["streamrec-partition"].flatMap { Int32($0) })
        #expect(bPartitions.contains(partition))
        let answered = try await client.fetch("/v1/users/\(ours)/recommendations")
        #expect(answered.status == 200, "\(answered.text)")
        // A user nobody has seen: the owner of the key's partition (murmur2) answers, the other refuses.
        let stranger = "never-seen-user"
        let strangerPartition = KafkaPartitioner.murmur2(Array(stranger.utf8), partitionCount: 4)
        let strangerReply = try await client.fetch("/v1/users/\(stranger)/recommendations")
        if bPartitions.contains(strangerPartition) {
            #expect(strangerReply.status == 404 && strangerReply.headers["streamrec-partition"] == String(strangerPartition))
        } else {
            #expect(strangerReply.status == 404 && strangerReply.headers["streamrec-partition"] == nil)
        }
        await group.triggerGracefulShutdown()
        try await running.value
        try b.stop()
    }
}
