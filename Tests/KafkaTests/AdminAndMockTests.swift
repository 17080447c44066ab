import Kafka
import Testing

@Suite("Admin and mock cluster")
struct AdminAndMockTests {
    // The mock cluster of librdkafka 2.0.2 does not implement CreateTopics (it names no
    // controller), so only the local validation of createTopics is exercised here.
    @Test("listTopics reports the topics with their partition counts")
    func listTopics() throws {
        let cluster = try MockCluster(brokerCount: 2)
        try cluster.createTopic("existing", partitions: 2)
        try cluster.createTopic("wide", partitions: 5, replicationFactor: 2)
        let topics = try KafkaAdmin.listTopics(bootstrapServers: cluster.bootstrapServers)
        #expect(topics["existing"] == 2)
        #expect(topics["wide"] == 5)
        #expect(topics["absent"] == nil)
    }

    @Test("createTopics rejects an invalid partition count before contacting the cluster")
    func createTopicsValidation() throws {
        let error = #expect(throws: KafkaError.self) {
            try KafkaAdmin.createTopics(bootstrapServers: "127.0.0.1:1", topics: [(name: "bad", partitions: 0)])
        }
        #expect(error?.kind == .invalidArgument)
        #expect(error?.description.contains("'bad'") == true)
        let rangeError = #expect(throws: KafkaError.self) {
            try KafkaAdmin.createTopics(bootstrapServers: "127.0.0.1:1", topics: [(name: "huge", partitions: 1_000_000)])
        }
        #expect(rangeError?.kind == .admin)
        #expect(rangeError?.description.contains("'huge'") == true)
        try KafkaAdmin.createTopics(bootstrapServers: "127.0.0.1:1", topics: [])
    }

    @Test("createTopics checks topic configs before contacting the cluster")
    func createTopicsConfigValidation() throws {
        let error = #expect(throws: KafkaError.self) {
            try KafkaAdmin.createTopics(bootstrapServers: "127.0.0.1:1", topics: [(name: "table", partitions: 1)],
                                        configs: ["tabel": ["cleanup.policy": "compact"]])
        }
        #expect(error?.kind == .invalidArgument)
        #expect(error?.description.contains("'tabel'") == true)
    }

    // The request with configs is built and sent, but the 2.0.2 mock has no CreateTopics
    // handler, so it cannot succeed there; this pins that down (and fails once it can).
    @Test("createTopics with a compaction config sends the request; the 2.0.2 mock cannot answer it")
    func createCompactedTopicOnMock() throws {
        let cluster = try MockCluster()
        let error = #expect(throws: KafkaError.self) {
            try KafkaAdmin.createTopics(bootstrapServers: cluster.bootstrapServers,
                                        topics: [(name: "table", partitions: 2)],
                                        configs: ["table": ["cleanup.policy": "compact", "min.compaction.lag.ms": "0"]],
                                        replicationFactor: 1, timeoutMs: 2_000)
        }
        // The mock's metadata names no controller, so the request waits for one until the timeout.
        #expect(error?.kind == .admin)
        #expect(error?.isTimeout == true)
        #expect(error?.description.contains("controller") == true)
        #expect(try KafkaAdmin.listTopics(bootstrapServers: cluster.bootstrapServers)["table"] == nil)
    }

    @Test("the mock cluster reports its brokers and a loopback bootstrap list")
    func clusterShape() throws {
        let cluster = try MockCluster(brokerCount: 3)
        #expect(cluster.brokerIds == [1, 2, 3])
        #expect(cluster.bootstrapServers.split(separator: ",").count == 3)
        #expect(throws: KafkaError.self) { _ = try MockCluster(brokerCount: 0) }
    }

    @Test("injected commit errors surface as commit errors with librdkafka's code")
    func injectedCommitError() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("faults", partitions: 1)
        let producer = try KafkaProducer(properties: KafkaTestSupport.producerProperties(cluster))
        try KafkaTestSupport.produceNumbered(producer, topic: "faults", count: 3)
        let consumer = try KafkaConsumer(properties: KafkaTestSupport.consumerProperties(cluster, group: "f1"))
        let tp = TopicPartition(topic: "faults", partition: 0)
        try consumer.assign([TopicPartitionOffset(tp, offset: 0)])
        #expect(KafkaTestSupport.consume(consumer, expected: 3).count == 3)
        // OffsetCommit is api key 8; 87 = INVALID_RECORD is not retried by the client.
        cluster.pushRequestErrors(apiKey: 8, errors: [87])
        let error = #expect(throws: KafkaError.self) { try consumer.commit([TopicPartitionOffset(tp, offset: 3)]) }
        #expect(error?.kind == .commit)
        #expect(error?.rdKafkaCode == 87)
        try consumer.commit([TopicPartitionOffset(tp, offset: 3)])
        #expect(try consumer.committed([tp]) == [tp: 3])
        consumer.close()
    }

    @Test("a consumer whose brokers are down reports errors through onError, not by throwing")
    func consumerErrorsGoToHandler() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("quiet", partitions: 1)
        let errors = Collected<KafkaError>()
        let consumer = try KafkaConsumer(
            properties: KafkaTestSupport.consumerProperties(cluster, group: "e1"),
            onError: { errors.append($0) })
        try consumer.assign([TopicPartitionOffset(topic: "quiet", partition: 0, offset: 0)])
        cluster.setAllBrokersDown()
        let deadline = ContinuousClock.now + .seconds(40)
        while errors.values.isEmpty && ContinuousClock.now < deadline {
            #expect(consumer.poll(timeoutMs: 100, maxMessages: 10) { _ in } == 0)
        }
        #expect(!errors.values.isEmpty)
        #expect(errors.values.allSatisfy { $0.kind == .client || $0.kind == .consume })
        cluster.setAllBrokersUp()
        consumer.close()
    }

    @Test("paused partitions deliver nothing until resumed")
    func pauseAndResume() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("bp", partitions: 1)
        let producer = try KafkaProducer(properties: KafkaTestSupport.producerProperties(cluster))
        let consumer = try KafkaConsumer(properties: KafkaTestSupport.consumerProperties(cluster, group: "b1"))
        let tp = TopicPartition(topic: "bp", partition: 0)
        try consumer.assign([TopicPartitionOffset(tp, offset: 0)])
        try KafkaTestSupport.produceNumbered(producer, topic: "bp", count: 2)
        #expect(KafkaTestSupport.consume(consumer, expected: 2).map(\.value) == ["0", "1"])
        try consumer.pause([tp])
        try KafkaTestSupport.produceNumbered(producer, topic: "bp", first: 2, count: 3)
        #expect(KafkaTestSupport.consumeFor(consumer, milliseconds: 500).isEmpty)
        try consumer.resume([tp])
        #expect(KafkaTestSupport.consume(consumer, expected: 3).map(\.value) == ["2", "3", "4"])
        consumer.close()
    }
}
