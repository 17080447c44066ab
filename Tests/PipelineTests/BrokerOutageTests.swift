import StreamRecTestKit
import Engine
import Events
import Foundation
import Kafka
import Testing
import Pipeline

@Suite("Broker outage", .serialized)
struct BrokerOutageTests {
    @Test("all brokers down for 30 s mid-stream: degraded, then every event applied once and every user's list refreshed")
    func outage() throws {
        let kafka = try KafkaTestHarness(partitions: 2)
        var generator = EventGenerator(configuration: GeneratorConfiguration(users: 300, items: 200, seed: 4))
        let events = generator.generate(count: 12_000)
        let firstHalf = events.prefix(6_000), secondHalf = events.suffix(6_000)

        let stateDir = FileManager.default.temporaryDirectory.appendingPathComponent("outage-\(UUID().uuidString)").path
        var pipelineConfig = kafka.pipelineConfiguration(group: "outage")
        pipelineConfig.stateDirectory = stateDir
        pipelineConfig.checkpointIntervalMs = 500
        var engine = EngineConfiguration()
        engine.debounceMs = 0
        let pipeline = try StreamPipeline(configuration: pipelineConfig, engine: engine, logger: quietLogger())
        let runner = PipelineRunner(pipeline)

        for event in firstHalf { try kafka.send(event) }
        kafka.flush()
        #expect(runner.wait(timeout: 60) { $0.applied == Int64(firstHalf.count) })

        kafka.cluster.setAllBrokersDown()
        let downAt = Date()
        // The stream goes on while the brokers are away: the producer queues.
        for event in secondHalf { try kafka.send(event) }
        var sawDegraded = false
        while Date().timeIntervalSince(downAt) < 30 {
            if pipeline.statsSnapshot().lastKafkaError != nil { sawDegraded = true }
            Thread.sleep(forTimeInterval: 0.25)
        }
        let appliedWhileDown = pipeline.statsSnapshot().applied
        kafka.cluster.setAllBrokersUp()
        let upAtMs = Int(Date().timeIntervalSince1970 * 1000)
        kafka.flush()

        // The state's own count: a partition lost during the outage is restored from the changelog
        // and its events after the committed round are applied again, to that restored state.
        let recovered = runner.wait(timeout: 90) { $0.appliedOwned == Int64(events.count) && $0.lag == 0 }
        Thread.sleep(forTimeInterval: 1)  // let the last refresh round publish
        let owned = pipeline.statsSnapshot().appliedOwned
        try runner.stop()
        let stats = pipeline.statsSnapshot()
        #expect(sawDegraded, "no Kafka error was reported while every broker was down")
        #expect(appliedWhileDown == Int64(firstHalf.count), "events appeared while the brokers were down")
        #expect(recovered, "the state holds \(stats.appliedOwned) of \(events.count) events after recovery")
        #expect(owned == Int64(events.count))
        #expect(stats.deadLetteredTotal == 0)

        // Applied once: each user's event count in the state equals the stream's.
        var expected: [String: Int32] = [:]
        for e in events { expected[e.user, default: 0] += 1 }
        let counts = pipeline.withCore { core in
            Dictionary(uniqueKeysWithValues: core.users.ids.enumerated().map { ($1, core.table.eventCount[$0]) })
        }
        #expect(counts == expected)

        // Every user of the second half got a list made after the brokers came back.
        let records = try kafka.readAll(kafka.output, partitions: kafka.partitions)
        var latest: [String: ParsedList] = [:]
        for r in records.sorted(by: { ($0.partition, $0.offset) < ($1.partition, $1.offset) }) {
            if let list = r.list { latest[list.user] = list }
        }
        let activeAfter = Set(secondHalf.map(\.user))
        let missing = activeAfter.filter { (latest[$0]?.generatedAt ?? 0) < upAtMs }
        #expect(missing.isEmpty, "\(missing.count) users without a list after recovery, e.g. \(missing.sorted().prefix(5))")
        #expect(Set(latest.keys) == Set(expected.keys))
    }
}
