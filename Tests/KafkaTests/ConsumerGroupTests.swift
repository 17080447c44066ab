import Kafka
import Testing

@Suite("Consumer group")
struct ConsumerGroupTests {
    @Test("1,000 keyed messages with headers come back exactly once, in order per partition")
    func produceAndConsumeInGroup() throws {
        let cluster = try MockCluster(brokerCount: 1)
        try cluster.createTopic("events", partitions: 3)
        let producer = try KafkaProducer(properties: KafkaTestSupport.producerProperties(cluster))
        var expected = Set<ConsumedRecord>()
        for index in 0..<1_000 {
            let headers = [KafkaHeader(name: "seq", value: "\(index)"), KafkaHeader(name: "src", value: [1, 2, 3])]
            try producer.produce(topic: "events", key: "user-\(index % 50)", value: "\(index)", headers: headers)
            expected.insert(ConsumedRecord(topic: "events", partition: 0, offset: 0, key: "user-\(index % 50)",
                                           value: "\(index)", headers: headers))
        }
        #expect(producer.flush(timeoutMs: 10_000))
        #expect(producer.deliveredCount == 1_000)
        #expect(producer.failedCount == 0)

        let consumer = try KafkaConsumer(properties: KafkaTestSupport.consumerProperties(cluster, group: "g1"))
        let assigned = Collected<[TopicPartition]>()
        let revoked = Collected<[TopicPartition]>()
        try consumer.subscribe(topics: ["events"],
                               onAssign: { assigned.append($0); return [:] },
                               onRevoke: { revoked.append($0) })
        let records = KafkaTestSupport.consume(consumer, expected: 1_000)
        #expect(records.count == 1_000)

        // Exact set of (key, value, headers), ignoring where they landed.
        let got = Set(records.map { ConsumedRecord(topic: $0.topic, partition: 0, offset: 0, key: $0.key,
                                                   value: $0.value, headers: $0.headers) })
        #expect(got.count == expected.count)
        #expect(got.symmetricDifference(expected).isEmpty)

        // Per partition: offsets 0, 1, 2, ... and production order; each key on one partition.
        var partitionOfKey: [String: Int32] = [:]
        for partition in Int32(0)..<3 {
            let inPartition = records.filter { $0.partition == partition }
            #expect(!inPartition.isEmpty)
            #expect(inPartition.map(\.offset) == Array(0..<Int64(inPartition.count)))
            let values = inPartition.map { Int($0.value)! }
            #expect(values == values.sorted())
            for record in inPartition {
                #expect(partitionOfKey[record.key, default: partition] == partition)
                partitionOfKey[record.key] = partition
            }
        }
        #expect(Set(consumer.assignment()) == Set((0..<3).map { TopicPartition(topic: "events", partition: $0) }))
        #expect(assigned.values.flatMap { $0 }.count == 3)

        consumer.close()
        consumer.close()
        #expect(Set(revoked.values.flatMap { $0 }) == Set((0..<3).map { TopicPartition(topic: "events", partition: $0) }))
        #expect(consumer.poll(timeoutMs: 10, maxMessages: 10) { _ in } == 0)
    }

    @Test("onAssign's start offsets override the committed offset and auto.offset.reset")
    func onAssignOverride() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("clicks", partitions: 2)
        let producer = try KafkaProducer(properties: KafkaTestSupport.producerProperties(cluster))
        try KafkaTestSupport.produceNumbered(producer, topic: "clicks", count: 10, partition: 0)
        try KafkaTestSupport.produceNumbered(producer, topic: "clicks", first: 100, count: 4, partition: 1)

        let consumer = try KafkaConsumer(properties: KafkaTestSupport.consumerProperties(cluster, group: "g2"))
        try consumer.subscribe(topics: ["clicks"], onAssign: { partitions in
            // Only partition 0 is overridden; partition 1 starts at auto.offset.reset = earliest.
            partitions.contains(TopicPartition(topic: "clicks", partition: 0))
                ? [TopicPartition(topic: "clicks", partition: 0): 6] : [:]
        }, onRevoke: { _ in })
        let records = KafkaTestSupport.consume(consumer, expected: 8)
        #expect(records.filter { $0.partition == 0 }.map(\.value) == ["6", "7", "8", "9"])
        #expect(records.filter { $0.partition == 1 }.map(\.value) == ["100", "101", "102", "103"])
        #expect(consumer.position(TopicPartition(topic: "clicks", partition: 0)) == 10)
        consumer.close()
    }
}
