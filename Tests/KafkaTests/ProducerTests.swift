import Kafka
import Testing

@Suite("Producer")
struct ProducerTests {
    @Test("messages produced while all brokers are down are delivered after recovery")
    func brokersDownThenUp() throws {
        let cluster = try MockCluster(brokerCount: 3)
        try cluster.createTopic("output", partitions: 3, replicationFactor: 3)
        let failures = Collected<String>()
        let producer = try KafkaProducer(
            properties: KafkaTestSupport.producerProperties(cluster).merging(
                ["message.timeout.ms": "30000", "reconnect.backoff.max.ms": "200"]) { $1 },
            onDeliveryFailure: { error, _ in failures.append(error.description) })
        // Warm up: metadata known, connections open.
        try producer.produce(topic: "output", key: "warm", value: "up")
        #expect(producer.flush(timeoutMs: 5_000))
        #expect(producer.deliveredCount == 1)

        cluster.setAllBrokersDown()
        for index in 0..<200 {
            try producer.produce(topic: "output", key: [UInt8(index % 256)], value: Array("v\(index)".utf8))
        }
        #expect(!producer.flush(timeoutMs: 1_000))
        #expect(producer.deliveredCount == 1)
        #expect(producer.outstandingCount >= 200)

        cluster.setAllBrokersUp()
        #expect(producer.flush(timeoutMs: 20_000))
        #expect(producer.deliveredCount == 201)
        #expect(producer.failedCount == 0)
        #expect(producer.outstandingCount == 0)
        #expect(failures.values.isEmpty)

        let consumer = try KafkaConsumer(properties: KafkaTestSupport.consumerProperties(cluster, group: "p1"))
        var total: Int64 = 0
        for partition in Int32(0)..<3 {
            total += try consumer.watermarks(TopicPartition(topic: "output", partition: partition)).high
        }
        #expect(total == 201)
    }

    @Test("expired messages are counted as failed and reported with their partition")
    func deliveryFailureCallback() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("doomed", partitions: 1)
        let failures = Collected<KafkaError>()
        let partitions = Collected<TopicPartition?>()
        let producer = try KafkaProducer(
            properties: KafkaTestSupport.producerProperties(cluster).merging(["message.timeout.ms": "300"]) { $1 },
            onDeliveryFailure: { error, tp in failures.append(error); partitions.append(tp) })
        try producer.produce(topic: "doomed", key: "a", value: "first", partition: 0)
        #expect(producer.flush(timeoutMs: 5_000))

        cluster.setAllBrokersDown()
        for index in 0..<5 {
            try producer.produce(topic: "doomed", key: "k", value: "\(index)", partition: 0)
        }
        #expect(producer.flush(timeoutMs: 5_000))
        #expect(producer.deliveredCount == 1)
        #expect(producer.failedCount == 5)
        #expect(failures.values.count == 5)
        #expect(failures.values.allSatisfy { $0.kind == .delivery && $0.rdKafkaCode == -192 })
        #expect(partitions.values.allSatisfy { $0 == TopicPartition(topic: "doomed", partition: 0) })
    }

    @Test("tagged messages stay pending until their reports are served, delivered or failed; untagged ones are not counted")
    func deliveryTags() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("tagged", partitions: 2)
        let producer = try KafkaProducer(
            properties: KafkaTestSupport.producerProperties(cluster).merging(["message.timeout.ms": "300"]) { $1 })
        for k in 0..<5 { try producer.produce(topic: "tagged", key: Array("a\(k)".utf8), value: [1], tag: 3) }
        for k in 0..<2 { try producer.produce(topic: "tagged", key: Array("b\(k)".utf8), value: [2], tag: 5) }
        try producer.produce(topic: "tagged", key: Array("c".utf8), value: [3])
        // Reports are served only by poll or flush: none yet.
        #expect(producer.pendingDeliveries(taggedAtMost: 2) == 0)
        #expect(producer.pendingDeliveries(taggedAtMost: 3) == 5)
        #expect(producer.pendingDeliveries(taggedAtMost: 4) == 5)
        #expect(producer.pendingDeliveries(taggedAtMost: 5) == 7)
        #expect(producer.flush(timeoutMs: 5_000))
        #expect(producer.pendingDeliveries(taggedAtMost: .max) == 0)
        #expect(producer.deliveredCount == 8)

        // Failed deliveries settle their tag too.
        cluster.setAllBrokersDown()
        for k in 0..<4 { try producer.produce(topic: "tagged", key: Array("d\(k)".utf8), value: [4], partition: 0, tag: 9) }
        #expect(producer.pendingDeliveries(taggedAtMost: 9) == 4)
        #expect(producer.flush(timeoutMs: 5_000))
        #expect(producer.failedCount == 4)
        #expect(producer.pendingDeliveries(taggedAtMost: 9) == 0)
    }

    @Test("a batch lands whole on its partition, each message with its key and value and tag, also past a full local queue")
    func batchProduce() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("batched", partitions: 3)
        // A local queue of 100 messages: a batch of 2,500 meets a full queue many times.
        let producer = try KafkaProducer(
            properties: KafkaTestSupport.producerProperties(cluster).merging(["queue.buffering.max.messages": "100"]) { $1 })
        let count = 2_500
        let keys = (0..<count).map { Array("key-\($0)".utf8) }
        let values = (0..<count).map { k in (0..<(k % 50)).map { UInt8(truncatingIfNeeded: k &+ $0) } }
        // Keys and values in two flat buffers, as the changelog writer hands them over.
        let keyBytes = keys.flatMap { $0 }, valueBytes = values.flatMap { $0 }
        let keyStarts = keys.reduce(into: [0]) { $0.append($0.last! + $1.count) }
        let valueStarts = values.reduce(into: [0]) { $0.append($0.last! + $1.count) }
        try keyBytes.withUnsafeBytes { kb in
            try valueBytes.withUnsafeBytes { vb in
                try producer.produceBatch(topic: "batched", partition: 2, tag: 7, count: count) { k in
                    (UnsafeRawBufferPointer(rebasing: kb[keyStarts[k]..<keyStarts[k + 1]]),
                     UnsafeRawBufferPointer(rebasing: vb[valueStarts[k]..<valueStarts[k + 1]]))
                }
            }
        }
        #expect(producer.pendingDeliveries(taggedAtMost: 7) > 0)
        #expect(producer.flush(timeoutMs: 10_000))
        #expect(producer.pendingDeliveries(taggedAtMost: .max) == 0)
        #expect(producer.deliveredCount == count)
        #expect(producer.failedCount == 0)
        let reader = try KafkaPartitionReader(bootstrapServers: cluster.bootstrapServers)
        var read: [String: [UInt8]] = [:]
        _ = try reader.read(TopicPartition(topic: "batched", partition: 2)) { record in
            read[String(decoding: record.key ?? [], as: UTF8.self)] = record.value ?? []
        }
        #expect(read.count == count)
        #expect((0..<count).allSatisfy { read["key-\($0)"] == values[$0] })
        for p: Int32 in [0, 1] {
            #expect(try reader.read(TopicPartition(topic: "batched", partition: p)) { _ in } == 0)
        }
    }

    @Test("onFailedMessage receives the topic, partition and key of every failed message")
    func failedMessageKeys() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("lost", partitions: 3)
        let failedMessages = Collected<DeliveryFailure>()
        let failures = Collected<KafkaError>()
        let producer = try KafkaProducer(
            properties: KafkaTestSupport.producerProperties(cluster).merging(["message.timeout.ms": "300"]) { $1 },
            onDeliveryFailure: { error, _ in failures.append(error) },
            onFailedMessage: { failedMessages.append($0) })
        // Warm up so the topic's partitions are known and keys are partitioned at produce time.
        try producer.produce(topic: "lost", key: "warm", value: "up")
        #expect(producer.flush(timeoutMs: 5_000))

        cluster.setAllBrokersDown()
        let keys: [[UInt8]] = (0..<20).map { Array("key-\($0)".utf8) } + [[0, 255, 7], []]
        for key in keys {
            try producer.produce(topic: "lost", key: key, value: Array("v".utf8))
        }
        #expect(producer.flush(timeoutMs: 5_000))
        #expect(producer.deliveredCount == 1)
        #expect(producer.failedCount == keys.count)
        #expect(failures.values.count == keys.count)
        let got = failedMessages.values
        #expect(got.count == keys.count)
        #expect(got.map(\.key).sorted { $0.lexicographicallyPrecedes($1) } == keys.sorted { $0.lexicographicallyPrecedes($1) })
        #expect(got.allSatisfy { $0.topic == "lost" && $0.error.kind == .delivery && $0.error.rdKafkaCode == -192 })
        for failure in got where !failure.key.isEmpty {
            #expect(failure.partition == KafkaPartitioner.murmur2(failure.key, partitionCount: 3))
        }
    }

    @Test("a full local queue is drained by produce instead of failing")
    func queueFullRetries() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("small", partitions: 1)
        let producer = try KafkaProducer(properties: KafkaTestSupport.producerProperties(cluster).merging(
            ["queue.buffering.max.messages": "10", "linger.ms": "0"]) { $1 })
        let payload = [UInt8](repeating: 7, count: 100)
        for index in 0..<300 {
            try producer.produce(topic: "small", key: Array("\(index)".utf8), value: payload)
        }
        #expect(producer.flush(timeoutMs: 10_000))
        #expect(producer.deliveredCount == 300)
    }

    @Test("producing to a partition that does not exist throws once the topic's metadata is known")
    func unknownPartition() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("two", partitions: 2)
        let producer = try KafkaProducer(properties: KafkaTestSupport.producerProperties(cluster))
        try producer.produce(topic: "two", key: "a", value: "b", partition: 0)
        #expect(producer.flush(timeoutMs: 5_000))
        let error = #expect(throws: KafkaError.self) {
            try producer.produce(topic: "two", key: "a", value: "b", partition: 9)
        }
        #expect(error?.kind == .produce)
        #expect(error?.rdKafkaCode == -190)
        #expect(error?.description.contains("'two'") == true)
        #expect(producer.deliveredCount == 1)
        #expect(producer.failedCount == 0)
    }

    @Test("keys are partitioned like the Java client (murmur2), so every client agrees on a key's partition")
    func javaCompatiblePartitioning() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("keyed", partitions: 6)
        let producer = try KafkaProducer(properties: KafkaTestSupport.producerProperties(cluster))
        // Expected partitions computed with the Java client's murmur2 (positive hash mod 6).
        let expected: [String: Int32] = ["user-1": 2, "user-2": 2, "user-3": 5, "user-42": 4,
                                         "alice": 3, "bob": 0, "carol": 2, "dave": 4]
        for key in expected.keys.sorted() {
            try producer.produce(topic: "keyed", key: key, value: key)
        }
        #expect(producer.flush(timeoutMs: 5_000))
        let consumer = try KafkaConsumer(properties: KafkaTestSupport.consumerProperties(cluster, group: "m1"))
        try consumer.assign((0..<6).map { TopicPartitionOffset(topic: "keyed", partition: $0, offset: 0) })
        let records = KafkaTestSupport.consume(consumer, expected: expected.count)
        #expect(records.count == expected.count)
        for record in records {
            #expect(expected[record.key] == record.partition, "key \(record.key)")
        }
        consumer.close()
    }
}
