/// A message whose delivery failed, as given to `KafkaProducer`'s `onFailedMessage`: the error,
/// where the message was going and its key (empty for a null key).
public struct DeliveryFailure: Sendable {
    /// The delivery error (kind `.delivery`, with librdkafka's code, such as `_MSG_TIMED_OUT`).
    public var error: KafkaError
    /// The topic the message was produced to.
    public var topic: String
    /// The partition, or `RD_KAFKA_PARTITION_UA` (-1) when none was chosen before it failed.
    public var partition: Int32
    /// The message key bytes (empty for a null or empty key).
    public var key: [UInt8]

    /// Creates a failure record.
    public init(error: KafkaError, topic: String, partition: Int32, key: [UInt8]) {
        self.error = error
        self.topic = topic
        self.partition = partition
        self.key = key
    }
}
