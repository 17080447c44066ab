import Kafka
import Testing

@Suite("Partition reader")
struct PartitionReaderTests {
    /// A record to produce: nil key or value is produced as null (a tombstone for the value).
    struct Written {
        var key: [UInt8]?
        var value: [UInt8]?
    }

    /// Produces `records` to `tp` in order with nulls kept null and empty values empty.
    private func produce(_ producer: KafkaProducer, _ records: [Written], to tp: TopicPartition) throws {
        // A non-nil pointer for empty buffers: nil base address means null to librdkafka.
        var anchor: UInt8 = 0
        try withUnsafeBytes(of: &anchor) { anchorBytes in
            func buffer(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
                guard let bytes else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
                if bytes.isEmpty { return try body(UnsafeRawBufferPointer(start: anchorBytes.baseAddress, count: 0)) }
                try bytes.withUnsafeBytes(body)
            }
            for record in records {
                try buffer(record.key) { key in
                    try buffer(record.value) { value in
                        try producer.produce(topic: tp.topic, key: key, value: value, partition: tp.partition)
                    }
                }
            }
        }
        #expect(producer.flush(timeoutMs: 10_000))
    }

    private func readAll(_ reader: KafkaPartitionReader, _ tp: TopicPartition, from offset: Int64 = 0,
                         timeoutMs: Int32 = 30_000) throws -> (records: [KafkaRecord], next: Int64) {
        var records: [KafkaRecord] = []
        let next = try reader.read(tp, from: offset, timeoutMs: timeoutMs) { records.append($0) }
        return (records, next)
    }

    @Test("records come back exactly, with offsets, null keys, tombstones and empty values apart")
    func exactRecords() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("state", partitions: 3)
        let producer = try KafkaProducer(properties: KafkaTestSupport.producerProperties(cluster))
        let tp = TopicPartition(topic: "state", partition: 1)
        var written: [Written] = (0..<40).map { Written(key: Array("user-\($0 % 9)".utf8), value: Array("v\($0)".utf8)) }
        written[3].value = nil                       // tombstone
        written[4].value = []                        // empty value
        written[5].key = nil                         // null key
        written[6].key = []                          // empty key
        written[7] = Written(key: nil, value: nil)
        written[8].value = [UInt8](repeating: 0xAB, count: 10_000)
        try produce(producer, written, to: tp)
        let other = TopicPartition(topic: "state", partition: 2)
        try produce(producer, [Written(key: [1], value: [2]), Written(key: [3], value: nil)], to: other)

        let reader = try KafkaPartitionReader(bootstrapServers: cluster.bootstrapServers)
        let (records, next) = try readAll(reader, tp)
        #expect(next == 40)
        #expect(records.map(\.offset) == Array(0..<40))
        #expect(records.map(\.key) == written.map(\.key))
        #expect(records.map(\.value) == written.map(\.value))
        #expect(records[3].value == nil && records[4].value == [])
        #expect(records[5].key == nil && records[6].key == [])

        // The same reader reads another partition, then the first again.
        let (otherRecords, otherNext) = try readAll(reader, other)
        #expect(otherNext == 2)
        #expect(otherRecords.map(\.offset) == [0, 1])
        #expect(otherRecords.map(\.key) == [[1], [3]])
        #expect(otherRecords.map(\.value) == [[2], nil])
        #expect(try readAll(reader, tp).records.map(\.offset) == Array(0..<40))
    }

    @Test("an empty partition returns at once; a start offset reads the tail; a resume reads only what is new")
    func offsetsAndEmpty() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("log", partitions: 2)
        let producer = try KafkaProducer(properties: KafkaTestSupport.producerProperties(cluster))
        let tp = TopicPartition(topic: "log", partition: 0)
        try KafkaTestSupport.produceNumbered(producer, topic: "log", count: 50, partition: 0)
        let reader = try KafkaPartitionReader(bootstrapServers: cluster.bootstrapServers)

        var called = 0
        #expect(try reader.read(TopicPartition(topic: "log", partition: 1)) { _ in called += 1 } == 0)
        #expect(called == 0)

        let tail = try readAll(reader, tp, from: 30)
        #expect(tail.next == 50)
        #expect(tail.records.map(\.offset) == Array(30..<50))
        #expect(tail.records.map { String(decoding: $0.value ?? [], as: UTF8.self) } == (30..<50).map { "\($0)" })
        #expect(try readAll(reader, tp, from: KafkaOffset.beginning).records.count == 50)
        #expect(try readAll(reader, tp, from: 49).records.map(\.offset) == [49])

        // At or past the end: nothing read, the high watermark returned.
        #expect(try readAll(reader, tp, from: 50) == ([], 50))
        #expect(try readAll(reader, tp, from: 80).next == 50)

        try KafkaTestSupport.produceNumbered(producer, topic: "log", first: 50, count: 5, partition: 0)
        let resumed = try readAll(reader, tp, from: tail.next)
        #expect(resumed.next == 55)
        #expect(resumed.records.map(\.offset) == Array(50..<55))

        let error = #expect(throws: KafkaError.self) { try reader.read(tp, from: -5) { _ in } }
        #expect(error?.kind == .invalidArgument)
    }

    @Test("a topic or partition that does not exist is an error naming it")
    func missing() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("present", partitions: 2)
        let reader = try KafkaPartitionReader(bootstrapServers: cluster.bootstrapServers)
        let noTopic = #expect(throws: KafkaError.self) {
            try reader.read(TopicPartition(topic: "absent", partition: 0), timeoutMs: 5_000) { _ in }
        }
        #expect(noTopic?.kind == .query)
        #expect(noTopic?.rdKafkaCode == 3)
        #expect(noTopic?.description.contains("absent") == true)
        let noPartition = #expect(throws: KafkaError.self) {
            try reader.read(TopicPartition(topic: "present", partition: 2), timeoutMs: 5_000) { _ in }
        }
        #expect(noPartition?.kind == .query)
        #expect(noPartition?.description.contains("present[2]") == true)
        #expect(noPartition?.description.contains("2 partitions") == true)
        // The topic was not created by asking.
        #expect(try KafkaAdmin.listTopics(bootstrapServers: cluster.bootstrapServers)["absent"] == nil)
        #expect(try reader.read(TopicPartition(topic: "present", partition: 1)) { _ in } == 0)
    }

    @Test("a read that cannot reach the high watermark in time throws a timeout; the reader still works after")
    func timeout() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("slow", partitions: 1)
        let producer = try KafkaProducer(properties: KafkaTestSupport.producerProperties(cluster))
        try KafkaTestSupport.produceNumbered(producer, topic: "slow", count: 10, partition: 0)
        let tp = TopicPartition(topic: "slow", partition: 0)
        let reader = try KafkaPartitionReader(bootstrapServers: cluster.bootstrapServers)
        // Fetch is api key 1; 6 = NOT_LEADER_OR_FOLLOWER makes the client back off and retry.
        cluster.pushRequestErrors(apiKey: 1, errors: Array(repeating: 6, count: 500))
        var seen = 0
        let error = #expect(throws: KafkaError.self) {
            try reader.read(tp, timeoutMs: 1_500) { _ in seen += 1 }
        }
        #expect(error?.kind == .timedOut)
        #expect(error?.isTimeout == true)
        #expect(error?.description.contains("high watermark 10") == true)
        #expect(seen == 0)
        cluster.clearRequestErrors(apiKey: 1)
        #expect(try readAll(reader, tp).records.map(\.offset) == Array(0..<10))
    }

    @Test("a body error stops the read and is rethrown")
    func bodyThrows() throws {
        struct Stop: Error {}
        let cluster = try MockCluster()
        try cluster.createTopic("t", partitions: 1)
        let producer = try KafkaProducer(properties: KafkaTestSupport.producerProperties(cluster))
        try KafkaTestSupport.produceNumbered(producer, topic: "t", count: 10, partition: 0)
        let tp = TopicPartition(topic: "t", partition: 0)
        let reader = try KafkaPartitionReader(bootstrapServers: cluster.bootstrapServers)
        var seen: [Int64] = []
        #expect(throws: Stop.self) {
            try reader.read(tp) { record in
                seen.append(record.offset)
                if record.offset == 3 { throw Stop() }
            }
        }
        #expect(seen == [0, 1, 2, 3])
        #expect(try readAll(reader, tp, from: 4).records.map(\.offset) == Array(4..<10))
    }
}
