import Kafka
import Testing

@Suite("Configuration and errors")
struct ConfigurationTests {
    @Test("an unknown property name gives a configuration error naming the key")
    func unknownProperty() throws {
        let error = #expect(throws: KafkaError.self) {
            _ = try KafkaProducer(properties: ["bootstrap.servers": "127.0.0.1:1", "no.such.property": "1"])
        }
        #expect(error?.kind == .configuration)
        #expect(error?.description.contains("no.such.property") == true)
        #expect(error?.rdKafkaCode == -2)

        let consumerError = #expect(throws: KafkaError.self) {
            _ = try KafkaConsumer(properties: ["group.id": "g", "fetch.wait.max.msec": "5"])
        }
        #expect(consumerError?.kind == .configuration)
        #expect(consumerError?.description.contains("fetch.wait.max.msec") == true)
    }

    @Test("an invalid value gives a configuration error naming the key and librdkafka's reason")
    func invalidValue() throws {
        let error = #expect(throws: KafkaError.self) {
            _ = try KafkaConsumer(properties: ["group.id": "g", "auto.offset.reset": "sometimes"])
        }
        #expect(error?.kind == .configuration)
        #expect(error?.description.contains("auto.offset.reset") == true)
        #expect(error?.description.contains("sometimes") == true)
        #expect(error?.rdKafkaCode == -1)
    }

    @Test("KafkaError describes its kind, message and librdkafka code name")
    func errorDescription() {
        let error = KafkaError(kind: .commit, rdKafkaCode: 25, message: "committing")
        #expect(error.description == "Kafka commit error: committing (UNKNOWN_MEMBER_ID, code 25)")
        #expect(error.rdKafkaName == "UNKNOWN_MEMBER_ID")
        #expect(!error.isTimeout)
        #expect(KafkaError(kind: .query, rdKafkaCode: -185, message: "x").isTimeout)
        #expect(KafkaError(kind: .closed, message: "consumer is closed").description
                == "Kafka closed error: consumer is closed")
    }

    @Test("the log sink receives librdkafka's lines when debug contexts are enabled")
    func logSink() throws {
        let lines = Collected<String>()
        let cluster = try MockCluster()
        do {
            let producer = try KafkaProducer(
                properties: KafkaTestSupport.producerProperties(cluster).merging(["debug": "broker"]) { $1 },
                logSink: { level, facility, message in lines.append("\(level) \(facility) \(message)") })
            try producer.produce(topic: "logged", key: "a", value: "b")
            #expect(producer.flush(timeoutMs: 5_000))
        }
        #expect(!lines.values.isEmpty)
        #expect(lines.values.allSatisfy { $0.hasPrefix("7 ") })
    }

    @Test("a closed consumer refuses new assignments and commits")
    func closedConsumer() throws {
        let consumer = try KafkaConsumer(properties: ["group.id": "g", "bootstrap.servers": "127.0.0.1:1"])
        consumer.close()
        #expect(consumer.isClosed)
        let error = #expect(throws: KafkaError.self) {
            try consumer.assign([TopicPartitionOffset(topic: "t", partition: 0, offset: 0)])
        }
        #expect(error?.kind == .closed)
        #expect(throws: KafkaError.self) {
            try consumer.commit([TopicPartitionOffset(topic: "t", partition: 0, offset: 1)])
        }
    }
}
