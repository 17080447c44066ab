/// One record read by `KafkaPartitionReader`: its offset, key and value, copied out of librdkafka.
///
/// A nil `value` is a tombstone (null payload), distinct from an empty value; a nil `key` is a
/// null key.
public struct KafkaRecord: Hashable, Sendable {
    /// The record's offset in its partition.
    public let offset: Int64
    /// The key bytes, nil for a null key.
    public let key: [UInt8]?
    /// The value bytes, nil for a null value (a tombstone).
    public let value: [UInt8]?

    /// Creates a record.
    public init(offset: Int64, key: [UInt8]?, value: [UInt8]?) {
        self.offset = offset
        self.key = key
        self.value = value
    }
}
