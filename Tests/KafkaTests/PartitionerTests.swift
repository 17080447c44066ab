import Kafka
import Testing

@Suite("Partitioner")
struct PartitionerTests {
    /// `toPositive(murmur2(key))`: with `Int32.max` partitions the modulo leaves it unchanged
    /// (except for the one hash equal to `Int32.max`).
    private func positiveHash(_ text: String) -> Int32 {
        KafkaPartitioner.murmur2(Array(text.utf8), partitionCount: Int32.max)
    }

    private func toPositive(_ javaHash: Int32) -> Int32 { javaHash & 0x7fff_ffff }

    @Test("murmur2 matches the Java client's Utils.murmur2 and librdkafka's unit-test values")
    func knownHashes() {
        // From Kafka's clients UtilsTest.testMurmur2 (signed Java ints).
        #expect(positiveHash("21") == toPositive(-973_932_308))
        #expect(positiveHash("foobar") == toPositive(-790_332_482))
        #expect(positiveHash("a-little-bit-long-string") == toPositive(-985_981_536))
        #expect(positiveHash("a-little-bit-longer-string") == toPositive(-1_486_304_829))
        #expect(positiveHash("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8") == toPositive(-58_897_971))
        #expect(KafkaPartitioner.murmur2([UInt8]([97, 98, 99]), partitionCount: Int32.max) == toPositive(479_470_107))
        // From librdkafka's rdmurmur2.c unit test (lengths 0 to 3 mod 4).
        #expect(positiveHash("kafka") == toPositive(Int32(bitPattern: 0xd067_cf64)))
        #expect(positiveHash("giberish123456789") == toPositive(Int32(bitPattern: 0x8f55_2b0c)))
        #expect(positiveHash("1234") == toPositive(Int32(bitPattern: 0x9fc9_7b14)))
        #expect(positiveHash("234") == toPositive(Int32(bitPattern: 0xe7c0_09ca)))
        #expect(positiveHash("34") == toPositive(Int32(bitPattern: 0x8739_30da)))
        #expect(positiveHash("4") == toPositive(Int32(bitPattern: 0x5a4b_5ca1)))
        #expect(positiveHash("") == toPositive(Int32(bitPattern: 0x106e_08d9)))
        // Any collection of bytes gives the same answer as an array.
        #expect(KafkaPartitioner.murmur2("user-42".utf8, partitionCount: 6) == 4)
        #expect(KafkaPartitioner.murmur2(Array("user-42".utf8)[...], partitionCount: 6) == 4)
        #expect(KafkaPartitioner.murmur2([UInt8](), partitionCount: 0) == -1)
    }

    @Test("every message lands on the partition murmur2 predicts (producer default partitioner)")
    func producerAgrees() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("users", partitions: 7)
        let producer = try KafkaProducer(properties: KafkaTestSupport.producerProperties(cluster))
        let keys = (0..<200).map { "user-\($0)" }
        for key in keys {
            try producer.produce(topic: "users", key: key, value: key)
        }
        #expect(producer.flush(timeoutMs: 10_000))
        #expect(producer.deliveredCount == keys.count)
        let consumer = try KafkaConsumer(properties: KafkaTestSupport.consumerProperties(cluster, group: "part1"))
        try consumer.assign((0..<7).map { TopicPartitionOffset(topic: "users", partition: $0, offset: 0) })
        let records = KafkaTestSupport.consume(consumer, expected: keys.count)
        #expect(records.count == keys.count)
        #expect(Set(records.map(\.key)) == Set(keys))
        for record in records {
            #expect(record.partition == KafkaPartitioner.murmur2(record.key.utf8, partitionCount: 7), "key \(record.key)")
        }
        // The keys spread over every partition, so a constant answer would have failed above.
        #expect(Set(records.map(\.partition)).count == 7)
        consumer.close()
    }
}
