import CRdKafka

/// A borrowed view of one consumed message, valid only inside the `poll` body that receives it.
///
/// Reading `partition`, `offset`, `key` and `payload` allocates nothing; `topicName` and
/// `headers()` build Swift values on demand.
public struct KafkaMessageView: ~Copyable {
    @usableFromInline let message: UnsafeMutablePointer<rd_kafka_message_t>

    init(_ message: UnsafeMutablePointer<rd_kafka_message_t>) {
        self.message = message
    }

    /// The partition the message came from.
    @inlinable public var partition: Int32 { message.pointee.partition }

    /// The message offset in its partition.
    @inlinable public var offset: Int64 { message.pointee.offset }

    /// The message timestamp in milliseconds since the epoch, nil when the broker gave none.
    public var timestampMs: Int64? {
        var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(message, &type)
        return type == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE || timestamp < 0 ? nil : timestamp
    }

    /// The key bytes (empty for a null key); valid only inside the `poll` body.
    @inlinable public var key: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: message.pointee.key, count: message.pointee.key_len)
    }

    /// The value bytes (empty for a null value); valid only inside the `poll` body.
    @inlinable public var payload: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: message.pointee.payload, count: message.pointee.len)
    }

    /// The topic name (allocates a `String`).
    public var topicName: String {
        guard let rkt = message.pointee.rkt else { return "" }
        return String(cString: rd_kafka_topic_name(rkt))
    }

    /// The topic and partition (allocates a `String`).
    public var topicPartition: TopicPartition { TopicPartition(topic: topicName, partition: partition) }

    /// All headers in order (allocates).
    public func headers() -> [KafkaHeader] {
        var hdrs: OpaquePointer? = nil
        guard rd_kafka_message_headers(message, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR, let hdrs else { return [] }
        var result: [KafkaHeader] = []
        var index = 0
        var name: UnsafePointer<CChar>? = nil
        var value: UnsafeRawPointer? = nil
        var size = 0
        while rd_kafka_header_get_all(hdrs, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
            let bytes = value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) } ?? []
            result.append(KafkaHeader(name: name.map { String(cString: $0) } ?? "", value: bytes))
            index += 1
        }
        return result
    }

    /// The value of the last header called `name`, nil when absent; valid only inside the `poll` body.
    public func header(named name: String) -> UnsafeRawBufferPointer? {
        var hdrs: OpaquePointer? = nil
        guard rd_kafka_message_headers(message, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR, let hdrs else { return nil }
        var value: UnsafeRawPointer? = nil
        var size = 0
        guard rd_kafka_header_get_last(hdrs, name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        return UnsafeRawBufferPointer(start: value, count: size)
    }
}
