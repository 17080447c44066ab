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

    /// Produces `users`, removals of `removed`, then `marker`, to partition `marker.partition`.
    func write(users: [PartitionUserState], removed: [String], marker: ChangelogMarker) throws {
        for user in users { try send(.user(user, writer: writer), partition: marker.partition) }
        for id in removed { try send(.removed(id: id, writer: writer), partition: marker.partition) }
        try send(.marker(marker, writer: writer), partition: marker.partition)
    }

    private func send(_ record: ChangelogRecord, partition: Int32) throws {
        let key = record.key, value = record.value
        try producer.produce(topic: topic, key: key, value: value, partition: partition)
        bytesWritten += Int64(key.count + value.count)
        recordsWritten += 1
    }
}
