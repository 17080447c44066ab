import Kafka
import Testing

/// Throughput figures on the mock cluster; run with `STREAMREC_KAFKA_BENCH=1` (release build
/// recommended). No timing is asserted: the figures are printed.
@Suite("Throughput (opt-in)", .enabled(if: KafkaTestSupport.environment("STREAMREC_KAFKA_BENCH") != nil))
struct ThroughputTests {
    // The mock keeps at most 5 MiB (or 100,000 batches) per partition and deletes older data,
    // so the default 100,000 messages of 100 bytes over 4 partitions stay within it.
    @Test("produce then consume 100,000 messages of 100 bytes")
    func produceAndConsume() throws {
        let count = Int(KafkaTestSupport.environment("STREAMREC_KAFKA_BENCH_COUNT") ?? "") ?? 100_000
        let cluster = try MockCluster()
        try cluster.createTopic("bench", partitions: 4)
        let producer = try KafkaProducer(properties: KafkaTestSupport.producerProperties(cluster).merging(
            ["linger.ms": "20", "batch.num.messages": "10000", "compression.type": "none"]) { $1 })
        let value = [UInt8](repeating: 42, count: 100)
        var key = [UInt8](repeating: 0, count: 8)
        let clock = ContinuousClock()
        let produceTime = try clock.measure {
            try value.withUnsafeBytes { valueBytes in
                for index in 0..<count {
                    withUnsafeBytes(of: UInt64(index % 10_000).littleEndian) { raw in
                        for byte in 0..<8 { key[byte] = raw[byte] }
                    }
                    try key.withUnsafeBytes { keyBytes in
                        try producer.produce(topic: "bench", key: keyBytes, value: valueBytes)
                    }
                    if index % 1_000 == 0 { producer.poll() }
                }
            }
            _ = producer.flush(timeoutMs: 60_000)
        }
        #expect(producer.deliveredCount == count)

        let debugLines = Collected<String>()
        let debug = KafkaTestSupport.environment("STREAMREC_KAFKA_BENCH_DEBUG")
        let consumer = try KafkaConsumer(
            properties: KafkaTestSupport.consumerProperties(cluster, group: "bench").merging(
                debug.map { ["debug": $0] } ?? [:]) { $1 },
            logSink: { _, facility, message in debugLines.append("\(facility) \(message)") },
            onError: { error in debugLines.append("onError: \(error)") })
        try consumer.assign((0..<4).map { TopicPartitionOffset(topic: "bench", partition: $0, offset: 0) })
        var received = 0
        var checksum = 0
        let consumeTime = clock.measure {
            let deadline = ContinuousClock.now + .seconds(120)
            while received < count && ContinuousClock.now < deadline {
                received += consumer.poll(timeoutMs: 100, maxMessages: 1_000) { message in
                    checksum &+= message.payload.count &+ Int(message.key[0])
                }
            }
        }
        #expect(received == count)
        #expect(checksum > 0)
        let produceRate = Double(count) / seconds(produceTime)
        let consumeRate = Double(count) / seconds(consumeTime)
        print("kafka-bench produce+flush: \(Int(produceRate)) msg/s; consume: \(Int(consumeRate)) msg/s (\(count) x 100 B)")
        consumer.close()
        let lines = debugLines.values
        print("debug lines: \(lines.count)")
        for line in lines.prefix(30) + lines.suffix(30) { print(line) }
    }

    // 100,000 records of 300 bytes are about 30 MiB: spread over 10 partitions so each stays
    // under the mock's 5 MiB per partition, and read one partition after the other.
    @Test("KafkaPartitionReader reads 100,000 records of 300 bytes")
    func partitionReaderRate() throws {
        let count = Int(KafkaTestSupport.environment("STREAMREC_KAFKA_BENCH_COUNT") ?? "") ?? 100_000
        let partitions: Int32 = 10
        let cluster = try MockCluster()
        try cluster.createTopic("table", partitions: partitions)
        let producer = try KafkaProducer(properties: KafkaTestSupport.producerProperties(cluster).merging(
            ["linger.ms": "20", "batch.num.messages": "10000", "compression.type": "none"]) { $1 })
        let value = [UInt8](repeating: 42, count: 300)
        for index in 0..<count {
            try producer.produce(topic: "table", key: Array("key-\(index)".utf8), value: value,
                                 partition: Int32(index % Int(partitions)))
            if index % 1_000 == 0 { producer.poll() }
        }
        #expect(producer.flush(timeoutMs: 60_000))
        #expect(producer.deliveredCount == count)

        let reader = try KafkaPartitionReader(bootstrapServers: cluster.bootstrapServers)
        var received = 0
        var bytes = 0
        var ends: [Int64] = []
        let clock = ContinuousClock()
        let readTime = try clock.measure {
            for partition in 0..<partitions {
                var expectedOffset: Int64 = 0
                ends.append(try reader.read(TopicPartition(topic: "table", partition: partition), timeoutMs: 120_000) { record in
                    if record.offset == expectedOffset { received += 1 }
                    expectedOffset = record.offset + 1
                    bytes += record.value?.count ?? 0
                })
            }
        }
        #expect(received == count)
        #expect(bytes == count * 300)
        #expect(ends.reduce(0, +) == Int64(count))
        let rate = Double(count) / seconds(readTime)
        print("kafka-bench partition reader: \(Int(rate)) records/s, \(Int(rate * 300 / 1_048_576)) MiB/s "
              + "(\(count) x 300 B over \(partitions) partitions read in turn, \(seconds(readTime)) s)")
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
}
