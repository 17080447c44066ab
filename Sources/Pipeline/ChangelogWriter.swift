import Engine
import Foundation
import Kafka

/// Writes rounds of partition state to the changelog topic: the users that changed (or must be
/// written again) and then the round's marker, all to the changelog partition that matches the
/// input partition. Delivery is confirmed by the caller's producer flush before the round's
/// offsets are committed.
final class ChangelogWriter {
    /// The changelog topic.
    let topic: String
    /// This process's writer id (random per start), the first part of every marker id.
    let writer: String
    private let producer: KafkaProducer
    private var sequence: Int64 = 0
    /// Bytes and records written since start.
    private(set) var bytesWritten: Int64 = 0
    private(set) var recordsWritten: Int64 = 0

    init(topic: String, producer: KafkaProducer) {
        self.topic = topic
        self.producer = producer
        var rng = SystemRandomNumberGenerator()
        writer = String(rng.next() & 0xFFFF_FFFF_FFFF, radix: 36)
    }

    /// A new marker id, `writer:sequence`.
    func nextMarkerId() -> String {
        sequence += 1
        return "\(writer):\(sequence)"
    }

    /// The first bytes of every user-state value this writer writes (see
    /// `UserRecordBatch`, whose values are the users' records after them).
    private(set) lazy var userValuePrefix = ChangelogRecord.userValuePrefix(writer: writer)

    /// Produces the user records `users` (values that start with `userValuePrefix`) in one
    /// batch, removals of `removed`, then `marker`, to partition `marker.partition`. Each message
    /// carries the delivery tag `tag`. (The users' records may reach the log in any order among
    /// themselves, one record per user; the marker always follows them.)
    func write(users: UserRecordBatch, removed: [String], marker: ChangelogMarker, tag: UInt32 = 0) throws {
        try users.withRecords { record in
            try producer.produceBatch(topic: topic, partition: marker.partition, tag: tag, count: users.count, message: record)
        }
        bytesWritten += Int64(users.byteCount)
        recordsWritten += Int64(users.count)
        for id in removed { try send(.removed(id: id, writer: writer), partition: marker.partition, tag: tag) }
        try send(.marker(marker, writer: writer), partition: marker.partition, tag: tag)
    }

    private func send(_ record: ChangelogRecord, partition: Int32, tag: UInt32) throws {
        try send(key: record.key, value: record.value, partition: partition, tag: tag)
    }

    private func send(key: [UInt8], value: [UInt8], partition: Int32, tag: UInt32) throws {
        try producer.produce(topic: topic, key: key, value: value, partition: partition, tag: tag)
        bytesWritten += Int64(key.count + value.count)
        recordsWritten += 1
    }
}
