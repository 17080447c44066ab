import Kafka
import Testing

@Suite("Group rebalancing")
struct GroupRebalanceTests {
    @Test("a second member takes over part of the partitions; the first is told through onRevoke")
    func secondMemberSplitsPartitions() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("split", partitions: 4)
        let all = Set((0..<4).map { TopicPartition(topic: "split", partition: $0) })
        let properties = KafkaTestSupport.consumerProperties(cluster, group: "r1")
        let first = try KafkaConsumer(properties: properties)
        let firstRevoked = Collected<[TopicPartition]>()
        try first.subscribe(topics: ["split"], onAssign: { _ in [:] }, onRevoke: { firstRevoked.append($0) })
        var deadline = ContinuousClock.now + .seconds(60)  // generous: joins are slow on a loaded machine
        while Set(first.assignment()) != all && ContinuousClock.now < deadline {
            _ = first.poll(timeoutMs: 100, maxMessages: 10) { _ in }
        }
        #expect(Set(first.assignment()) == all)

        let second = try KafkaConsumer(properties: properties)
        try second.subscribe(topics: ["split"])
        deadline = ContinuousClock.now + .seconds(60)
        while (second.assignment().isEmpty || first.assignment().count == 4 || first.assignment().isEmpty)
                && ContinuousClock.now < deadline {
            _ = first.poll(timeoutMs: 50, maxMessages: 10) { _ in }
            _ = second.poll(timeoutMs: 50, maxMessages: 10) { _ in }
        }
        let a = Set(first.assignment())
        let b = Set(second.assignment())
        #expect(a.count == 2)
        #expect(b.count == 2)
        #expect(a.isDisjoint(with: b))
        #expect(a.union(b) == all)
        #expect(Set(firstRevoked.values.first ?? []) == all)
        second.close()
        first.close()
    }

    @Test("the cooperative-sticky protocol assigns incrementally and revokes on close")
    func cooperativeProtocol() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("coop", partitions: 2)
        let producer = try KafkaProducer(properties: KafkaTestSupport.producerProperties(cluster))
        try KafkaTestSupport.produceNumbered(producer, topic: "coop", count: 6, partition: 0)
        try KafkaTestSupport.produceNumbered(producer, topic: "coop", first: 6, count: 6, partition: 1)
        var properties = KafkaTestSupport.consumerProperties(cluster, group: "r2")
        properties["partition.assignment.strategy"] = "cooperative-sticky"
        let consumer = try KafkaConsumer(properties: properties)
        let assigned = Collected<[TopicPartition]>()
        let revoked = Collected<[TopicPartition]>()
        try consumer.subscribe(topics: ["coop"], onAssign: { partitions in
            assigned.append(partitions)
            return [TopicPartition(topic: "coop", partition: 1): 4]
        }, onRevoke: { revoked.append($0) })
        let records = KafkaTestSupport.consume(consumer, expected: 8)
        #expect(records.filter { $0.partition == 0 }.map(\.offset) == Array(0..<6))
        #expect(records.filter { $0.partition == 1 }.map(\.offset) == [4, 5])
        #expect(Set(assigned.values.flatMap { $0 }) == [TopicPartition(topic: "coop", partition: 0),
                                                        TopicPartition(topic: "coop", partition: 1)])
        consumer.close()
        #expect(Set(revoked.values.flatMap { $0 }) == Set(assigned.values.flatMap { $0 }))
    }
}
