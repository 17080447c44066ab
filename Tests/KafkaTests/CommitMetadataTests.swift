import Kafka
import Testing

@Suite("Commit metadata")
struct CommitMetadataTests {
    // librdkafka 2.0.2's mock stores the OffsetCommit metadata string with the offset
    // (rd_kafka_mock_commit_offset) and returns it in OffsetFetch, so it survives the client.
    @Test("metadata committed by one consumer is read back by a new consumer of the same group")
    func metadataSurvivesConsumer() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("state", partitions: 3)
        let p0 = TopicPartition(topic: "state", partition: 0)
        let p1 = TopicPartition(topic: "state", partition: 1)
        let p2 = TopicPartition(topic: "state", partition: 2)
        let properties = KafkaTestSupport.consumerProperties(cluster, group: "meta1")
        let note = "snapshot=42;model=mf-v3;é✓"

        do {
            let first = try KafkaConsumer(properties: properties)
            try first.commit([TopicPartitionOffset(p0, offset: 12), TopicPartitionOffset(p1, offset: 5)],
                             metadata: [p0: note, p2: "not committed"])
            first.close()
        }

        let second = try KafkaConsumer(properties: properties)
        let read = try second.committedWithMetadata([p0, p1, p2])
        #expect(read == [p0: CommittedOffset(offset: 12, metadata: note),
                         p1: CommittedOffset(offset: 5, metadata: "")])
        #expect(try second.committed([p0, p1, p2]) == [p0: 12, p1: 5])

        // A later commit replaces the metadata, also with none.
        try second.commit([TopicPartitionOffset(p0, offset: 20), TopicPartitionOffset(p1, offset: 6)],
                          metadata: [p1: "second"])
        second.close()
        let third = try KafkaConsumer(properties: properties)
        #expect(try third.committedWithMetadata([p0, p1, p2])
            == [p0: CommittedOffset(offset: 20, metadata: ""), p1: CommittedOffset(offset: 6, metadata: "second")])
        third.close()
    }

    @Test("a group that committed nothing has no committed offsets, and other groups do not see it")
    func otherGroup() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("state", partitions: 1)
        let tp = TopicPartition(topic: "state", partition: 0)
        let owner = try KafkaConsumer(properties: KafkaTestSupport.consumerProperties(cluster, group: "meta2"))
        try owner.commit([TopicPartitionOffset(tp, offset: 3)], metadata: [tp: "mine"])
        #expect(try owner.committedWithMetadata([tp]) == [tp: CommittedOffset(offset: 3, metadata: "mine")])
        owner.close()
        let other = try KafkaConsumer(properties: KafkaTestSupport.consumerProperties(cluster, group: "meta3"))
        #expect(try other.committedWithMetadata([tp]).isEmpty)
        #expect(try other.committedWithMetadata([]).isEmpty)
        other.close()
    }
}
