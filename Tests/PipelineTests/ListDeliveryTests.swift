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
        // The output topic on the second broker, everything else on the first.
        for p in Int32(0)..<2 {
            try kafka.cluster.setPartitionLeader(topic: kafka.output, partition: p, broker: outputBroker)
            try kafka.cluster.setPartitionLeader(topic: kafka.input, partition: p, broker: kafka.cluster.brokerIds[0])
        }
        try kafka.cluster.setPartitionLeader(topic: kafka.deadLetter, partition: 0, broker: kafka.cluster.brokerIds[0])
        // Manual assignment: the group coordinator may sit on the broker taken away below.
        var configuration = kafka.pipelineConfiguration(group: "at-least-once", useGroup: false)
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
        // Each user clicks the top item of their current list, so every list must change.
        for u in 0..<30 {
            let top = runner.pipeline.withCore { $0.currentList(for: "u\(u)", k: 1, wallClockMs: 0)?.items.first?.item } ?? "i0"
            try kafka.send(Event(user: "u\(u)", item: top, type: .click, timestampMs: 2_000_000_000_000))
        }
        kafka.flush()
        let failedSeen = runner.wait(timeout: 60) { $0.appliedOwned == 630 && $0.deliveryFailures > 0 }
        let during = runner.pipeline.statsSnapshot()
        #expect(failedSeen, "applied \(during.appliedOwned), failures \(during.deliveryFailures), assigned \(during.assignedPartitions), lag \(during.lag), error \(during.lastKafkaError ?? "-")")
        kafka.cluster.setBrokerUp(outputBroker)

        let audit = try GroupAudit(kafka)
        var last: [String: Int64] = [:]
        for d in audit.delivered { last[d.user] = d.offset }
        // Every user's newest list (based on their last event) arrives once the broker is back.
        var missing = last
        var lists: [ParsedList] = []
        let deadline = Date().addingTimeInterval(60)
        while !missing.isEmpty && Date() < deadline {
            lists = try kafka.readAll(kafka.output, partitions: kafka.partitions, quietMs: 500).compactMap(\.list)
            var newest: [String: Int] = [:]
            for list in lists { newest[list.user] = max(newest[list.user] ?? -1, list.basedOnOffset) }
            missing = last.filter { newest[$0.key] != Int($0.value) }
        }
        let stats = runner.pipeline.statsSnapshot()
        try runner.stop()
        #expect(stats.deliveryFailures > 0)
        #expect(missing.isEmpty, "\(missing.count) users lack a list based on their last event, e.g. \(missing.prefix(3))")
        #expect(audit.seenItemViolations(lists).isEmpty)
    }
}
