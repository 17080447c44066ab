import CRdKafka
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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

    /// Calls `body` for each element of `list` (no errors thrown).
    static func forEachElement(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>?,
                               _ body: (rd_kafka_topic_partition_t) -> Void) {
        guard let list, let elems = list.pointee.elems else { return }
        for index in 0..<Int(list.pointee.cnt) {
            body(elems[index])
        }
    }

    /// Sets the metadata of each element of `list` whose partition has an entry in `metadata`.
    /// The copies are allocated with `malloc`, which `rd_kafka_topic_partition_list_destroy` frees.
    static func setMetadata(_ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>,
                            _ metadata: [TopicPartition: String]) {
        guard let elems = list.pointee.elems else { return }
        for index in 0..<Int(list.pointee.cnt) {
            let tp = TopicPartition(topic: String(cString: elems[index].topic), partition: elems[index].partition)
            guard var text = metadata[tp] else { continue }
            text.withUTF8 { bytes in
                let copy = malloc(max(bytes.count, 1))!
                if let base = bytes.baseAddress { memcpy(copy, base, bytes.count) }
                if let old = elems[index].metadata { free(old) }
                elems[index].metadata = copy
                elems[index].metadata_size = bytes.count
            }
        }
    }

    /// The metadata string of `element` (empty when it has none).
    static func metadata(_ element: rd_kafka_topic_partition_t) -> String {
        guard let bytes = element.metadata, element.metadata_size > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: bytes, count: element.metadata_size), as: UTF8.self)
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
