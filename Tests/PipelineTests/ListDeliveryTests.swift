import Engine
import Events
import Foundation
import Kafka
import Pipeline
import StreamRecTestKit
import Testing

/// Lists are published at least once: a list whose delivery the broker refuses is not counted
/// as published, so it is published again, and the round that saw the failure commits nothing.
@Suite("Lists at least once", .serialized)
struct ListDeliveryTests {
    @Test("the output topic's broker away: lists fail, are not counted, and every user's newest list arrives once it is back")
    func republishAfterFailure() throws {
        let kafka = try KafkaTestHarness(partitions: 2, brokers: 2)
        let outputBroker = kafka.cluster.brokerIds[1]
        for p in Int32(0)..<2 { try kafka.cluster.setPartitionLeader(topic: kafka.output, partition: p, broker: outputBroker) }
        var configuration = kafka.pipelineConfiguration(group: "at-least-once")
        configuration.checkpointIntervalMs = 300
        configuration.kafkaProperties["message.timeout.ms"] = "2000"
        var engine = EngineConfiguration()
        engine.debounceMs = 0
        let runner = PipelineRunner(try StreamPipeline(configuration: configuration, engine: engine, logger: quietLogger()))
        var generator = EventGenerator(configuration: GeneratorConfiguration(users: 30, items: 60, seed: 12))
        for _ in 0..<600 { try kafka.send(generator.next()) }
        kafka.flush()
        #expect(runner.wait(timeout: 60) { $0.appliedOwned == 600 && $0.lag == 0 && $0.listsPublished > 0 })
        Thread.sleep(forTimeInterval: 1)

        // The output topic's leader goes away: the lists made now cannot be delivered.
        kafka.cluster.setBrokerDown(outputBroker)
        for u in 0..<30 { try kafka.send(Event(user: "u\(u)", item: "i\(u + 1)", type: .click, timestampMs: 2_000_000_000_000)) }
        kafka.flush()
        #expect(runner.wait(timeout: 60) { $0.appliedOwned == 630 && $0.deliveryFailures > 0 })
        kafka.cluster.setBrokerUp(outputBroker)
        Thread.sleep(forTimeInterval: 6)
        let stats = runner.pipeline.statsSnapshot()
        try runner.stop()

        let audit = try GroupAudit(kafka)
        var last: [String: Int64] = [:]
        for d in audit.delivered { last[d.user] = d.offset }
        let lists = try kafka.readAll(kafka.output, partitions: kafka.partitions).compactMap(\.list)
        var newest: [String: Int] = [:]
        for list in lists { newest[list.user] = max(newest[list.user] ?? -1, list.basedOnOffset) }
        let missing = last.filter { newest[$0.key] != Int($0.value) }
        #expect(stats.deliveryFailures > 0)
        #expect(missing.isEmpty, "\(missing.count) users lack a list based on their last event, e.g. \(missing.prefix(3))")
        #expect(audit.seenItemViolations(lists).isEmpty)
    }
}
