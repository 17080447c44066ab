import CRdKafka

/// Conversions between Swift partition values and `rd_kafka_topic_partition_list_t`.
enum TopicPartitionList {
    /// A new list holding `partitions` with offsets left invalid. The caller destroys it.
    static func make(_ partitions: [TopicPartition]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        let list = rd_kafka_topic_partition_list_new(Int32(partitions.count))!
        for tp in partitions {
            rd_kafka_topic_partition_list_add(list, tp.topic, tp.partition)
        }
        return list
    }

    /// A new list holding `offsets`. The caller destroys it.
    static func make(_ offsets: [TopicPartitionOffset]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        let list = rd_kafka_topic_partition_list_new(Int32(offsets.count))!
        for tpo in offsets {
            rd_kafka_topic_partition_list_add(list, tpo.topic, tpo.partition).pointee.offset = tpo.offset
        }
        return list
    }

    /// Calls `body` for each element of `list`.
    static func forEach(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>?,
                        _ body: (rd_kafka_topic_partition_t) throws(KafkaError) -> Void) throws(KafkaError) {
        guard let list, let elems = list.pointee.elems else { return }
        for index in 0..<Int(list.pointee.cnt) {
            try body(elems[index])
        }
    }

    /// The partitions in `list`.
    static func partitions(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>?) -> [TopicPartition] {
        var result: [TopicPartition] = []
        try? forEach(list) { element in
            result.append(TopicPartition(topic: String(cString: element.topic), partition: element.partition))
        }
        return result
    }
}
