/// A partition of a topic.
public struct TopicPartition: Hashable, Sendable, CustomStringConvertible {
    /// The topic name.
    public var topic: String
    /// The partition number.
    public var partition: Int32

    /// Creates a topic-partition pair.
    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    /// `topic[partition]`.
    /// `topic[partition]`.
    public var description: String { "\(topic)[\(partition)]" }
}

/// A partition with an offset: the next offset to consume, as Kafka commits it.
///
/// Negative values are librdkafka's logical offsets (see `KafkaOffset`).
public struct TopicPartitionOffset: Hashable, Sendable, CustomStringConvertible {
    /// The topic name.
    public var topic: String
    /// The partition number.
    public var partition: Int32
    /// The next offset to consume, or a logical offset from `KafkaOffset`.
    public var offset: Int64

    /// Creates a topic-partition-offset triple.
    public init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }

    /// Creates a triple from a partition and an offset.
    public init(_ tp: TopicPartition, offset: Int64) {
        self.init(topic: tp.topic, partition: tp.partition, offset: offset)
    }

    /// The partition without the offset.
    public var topicPartition: TopicPartition { TopicPartition(topic: topic, partition: partition) }

    /// `topic[partition]@offset`.
    /// `topic[partition]@offset`.
    public var description: String { "\(topic)[\(partition)]@\(offset)" }
}

/// librdkafka's logical offsets, usable wherever an offset to start from is expected.
public enum KafkaOffset {
    /// The oldest offset still in the log.
    public static let beginning: Int64 = -2
    /// The offset after the newest message (only new messages are read).
    public static let end: Int64 = -1
    /// The committed offset of the group, else `auto.offset.reset`.
    public static let stored: Int64 = -1000
    /// No offset.
    public static let invalid: Int64 = -1001
}
