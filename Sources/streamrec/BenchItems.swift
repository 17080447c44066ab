import Engine
import Events
import Foundation
import Kafka
import Logging
import Pipeline

/// The `items` part of `streamrec bench`: how fast a starting instance reads the item topic from
/// its start (the catch-up readiness waits for), as items/s, on the mock cluster.
enum BenchItems {
    /// What one run measured.
    struct Result {
        /// Records on the topic, and what each start read.
        var records: Int
        /// Items/s of the catch-up at each start (the first start, then a restart).
        var itemsPerSecond: [Double]
        /// Rows the catalog held after the last start, and the items marked unavailable.
        var rows: Int
        var unavailable: Int
    }

    /// Produces `records` item records (each with two attributes, every tenth unavailable) to a
    /// `partitions`-partition item topic, then starts a pipeline on it `starts` times.
    static func run(records: Int, partitions: Int32, starts: Int, engine: EngineConfiguration, logger: Logger) throws -> Result {
        let cluster = try MockCluster(brokerCount: 1)
        return try withExtendedLifetime(cluster) {
            let topic = "bench.items"
            try cluster.createTopic(topic, partitions: partitions)
            for name in ["bench.events", "bench.lists", "bench.dlq"] { try cluster.createTopic(name, partitions: 1) }
            let producer = try KafkaProducer(properties: ["bootstrap.servers": cluster.bootstrapServers, "linger.ms": "20",
                                                          "compression.codec": "lz4"])
            for i in 0..<records {
                let record = ItemRecord(item: "item\(i)", available: i % 10 != 0, attributes: ["category\(i % 500)", "brand\(i % 3_000)"],
                                        timestampMs: 1_700_000_000_000 + Int64(i))
                try producer.produce(topic: topic, key: Array(record.item.utf8), value: ItemRecordEncoder.json(record))
            }
            _ = producer.flush(timeoutMs: 60_000)
            var configuration = PipelineConfiguration()
            configuration.bootstrapServers = cluster.bootstrapServers
            configuration.inputTopic = "bench.events"
            configuration.outputTopic = "bench.lists"
            configuration.deadLetterTopic = "bench.dlq"
            configuration.useConsumerGroup = false
            configuration.itemsTopic = topic
            var rates: [Double] = []
            var rows = 0, unavailable = 0
            for start in 0..<starts {
                let pipeline = try StreamPipeline(configuration: configuration, engine: engine, logger: logger)
                let done = DispatchSemaphore(value: 0)
                let thread = Thread { _ = try? pipeline.run(); done.signal() }
                thread.start()
                let deadline = Date().addingTimeInterval(300)
                while !pipeline.statsSnapshot().assigned && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
                let stats = pipeline.statsSnapshot()
                (rows, unavailable) = pipeline.withCore { ($0.items.count, $0.catalog.unavailableCount) }
                pipeline.stop()
                done.wait()
                guard stats.itemRestoreRecords == records else {
                    throw PipelineError("start \(start) read \(stats.itemRestoreRecords) of \(records) item records")
                }
                rates.append(Double(stats.itemRestoreRecords) / max(stats.itemRestoreSeconds, 1e-9))
            }
            return Result(records: records, itemsPerSecond: rates, rows: rows, unavailable: unavailable)
        }
    }
}
