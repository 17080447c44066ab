import Kafka
import Testing

@Suite("Manual assignment, commits and watermarks")
struct ConsumerAssignTests {
    @Test("manual assignment from an offset reads exactly the tail")
    func assignFromOffset() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("tail", partitions: 1)
        let producer = try KafkaProducer(properties: KafkaTestSupport.producerProperties(cluster))
        try KafkaTestSupport.produceNumbered(producer, topic: "tail", count: 50)

        let consumer = try KafkaConsumer(properties: KafkaTestSupport.consumerProperties(cluster, group: "a1"))
        try consumer.assign([TopicPartitionOffset(topic: "tail", partition: 0, offset: 42)])
        #expect(consumer.assignment() == [TopicPartition(topic: "tail", partition: 0)])
        var records = KafkaTestSupport.consume(consumer, expected: 8)
        records += KafkaTestSupport.consumeFor(consumer, milliseconds: 300)
        #expect(records.map(\.offset) == Array(42..<50))
        #expect(records.map(\.value) == (42..<50).map { "\($0)" })
        #expect(records.allSatisfy { $0.topic == "tail" && $0.key == "k\(Int($0.value)! % 7)" })
        consumer.close()
    }

    @Test("a new consumer in the same group resumes at the committed offset")
    func commitAndResume() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("orders", partitions: 2)
        let producer = try KafkaProducer(properties: KafkaTestSupport.producerProperties(cluster))
        try KafkaTestSupport.produceNumbered(producer, topic: "orders", count: 20, partition: 0)
        try KafkaTestSupport.produceNumbered(producer, topic: "orders", first: 20, count: 5, partition: 1)
        let p0 = TopicPartition(topic: "orders", partition: 0)
        let p1 = TopicPartition(topic: "orders", partition: 1)
        let properties = KafkaTestSupport.consumerProperties(cluster, group: "c1")

        do {
            let first = try KafkaConsumer(properties: properties)
            try first.assign([TopicPartitionOffset(p0, offset: KafkaOffset.stored),
                              TopicPartitionOffset(p1, offset: KafkaOffset.stored)])
            let records = KafkaTestSupport.consume(first, expected: 25)
            #expect(records.count == 25)
            #expect(try first.committed([p0, p1]).isEmpty)
            try first.commit([TopicPartitionOffset(p0, offset: 12), TopicPartitionOffset(p1, offset: 5)])
            #expect(try first.committed([p0, p1]) == [p0: 12, p1: 5])
            first.close()
        }

        let second = try KafkaConsumer(properties: properties)
        try second.assign([TopicPartitionOffset(p0, offset: KafkaOffset.stored),
                           TopicPartitionOffset(p1, offset: KafkaOffset.stored)])
        var records = KafkaTestSupport.consume(second, expected: 8)
        records += KafkaTestSupport.consumeFor(second, milliseconds: 300)
        #expect(records.filter { $0.partition == 0 }.map(\.offset) == Array(12..<20))
        #expect(records.filter { $0.partition == 1 }.isEmpty)
        #expect(try second.committed([p0, p1]) == [p0: 12, p1: 5])
        second.close()
    }

    @Test("watermarks match the number of messages produced per partition")
    func watermarks() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("marks", partitions: 3)
        let producer = try KafkaProducer(properties: KafkaTestSupport.producerProperties(cluster))
        let counts: [Int32: Int] = [0: 7, 1: 0, 2: 13]
        for (partition, count) in counts {
            try KafkaTestSupport.produceNumbered(producer, topic: "marks", count: count, partition: partition)
        }
        #expect(producer.deliveredCount == 20)
        let consumer = try KafkaConsumer(properties: KafkaTestSupport.consumerProperties(cluster, group: "w1"))
        for (partition, count) in counts {
            let marks = try consumer.watermarks(TopicPartition(topic: "marks", partition: partition))
            #expect(marks.low == 0)
            #expect(marks.high == Int64(count))
        }
        let p2 = TopicPartition(topic: "marks", partition: 2)
        #expect(consumer.cachedWatermarks(p2) == nil)
        try consumer.assign([TopicPartitionOffset(p2, offset: 10)])
        #expect(KafkaTestSupport.consume(consumer, expected: 3).count == 3)
        #expect(consumer.cachedWatermarks(p2)?.high == 13)
        #expect(consumer.position(p2) == 13)
        consumer.close()
    }

    @Test("seek re-reads from an earlier offset and lag counts what is left")
    func seekAndLag() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("replay", partitions: 1)
        let producer = try KafkaProducer(properties: KafkaTestSupport.producerProperties(cluster))
        try KafkaTestSupport.produceNumbered(producer, topic: "replay", count: 30)
        let consumer = try KafkaConsumer(properties: KafkaTestSupport.consumerProperties(cluster, group: "s1"))
        let tp = TopicPartition(topic: "replay", partition: 0)
        #expect(consumer.lag(tp) == nil)
        try consumer.assign([TopicPartitionOffset(tp, offset: 0)])
        var seen: [Int64] = []
        let deadline = ContinuousClock.now + .seconds(40)
        while seen.count < 20 && ContinuousClock.now < deadline {
            // Stop after offset 19 on purpose: at most 20 messages, then check the lag.
            _ = consumer.poll(timeoutMs: 100, maxMessages: 20 - seen.count) { seen.append($0.offset) }
        }
        #expect(seen == Array(0..<20))
        #expect(consumer.lag(tp) == 10)
        try consumer.seek([TopicPartitionOffset(tp, offset: 5)])
        let again = KafkaTestSupport.consume(consumer, expected: 25)
        #expect(again.map(\.offset) == Array(5..<30))
        #expect(consumer.lag(tp) == 0)
        consumer.close()
    }

    @Test("the message view exposes timestamp, topic, key, payload and header lookup")
    func messageViewFields() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("view", partitions: 2)
        let producer = try KafkaProducer(properties: KafkaTestSupport.producerProperties(cluster))
        try producer.produce(topic: "view", key: [0, 1, 2], value: [9, 8], partition: 1,
                             timestampMs: 1_700_000_000_123)
        try producer.produce(topic: "view", key: "k", value: "v",
                             headers: [KafkaHeader(name: "a", value: "1"), KafkaHeader(name: "b", value: [7]),
                                       KafkaHeader(name: "a", value: "2")],
                             partition: 1)
        #expect(producer.flush(timeoutMs: 5_000))
        let consumer = try KafkaConsumer(properties: KafkaTestSupport.consumerProperties(cluster, group: "v1"))
        try consumer.assign([TopicPartitionOffset(topic: "view", partition: 1, offset: KafkaOffset.beginning)])
        var seen = 0
        let deadline = ContinuousClock.now + .seconds(40)
        while seen < 2 && ContinuousClock.now < deadline {
            seen += consumer.poll(timeoutMs: 100, maxMessages: 10) { message in
                #expect(message.topicName == "view")
                #expect(message.partition == 1)
                if message.offset == 0 {
                    #expect(message.timestampMs == 1_700_000_000_123)
                    #expect(Array(message.key) == [0, 1, 2])
                    #expect(Array(message.payload) == [9, 8])
                    #expect(message.headers().isEmpty)
                    #expect(message.header(named: "a") == nil)
                } else {
                    #expect((message.timestampMs ?? 0) > 1_600_000_000_000)
                    #expect(message.headers().map(\.name) == ["a", "b", "a"])
                    #expect(message.header(named: "a").map { Array($0) } == Array("2".utf8))
                    #expect(message.header(named: "b").map { Array($0) } == [7])
                    #expect(message.header(named: "c") == nil)
                }
            }
        }
        #expect(seen == 2)
        consumer.close()
    }
}
