import Engine
import Foundation
import Kafka

/// Reads one partition of the changelog topic to its end and rebuilds the partition's state as
/// of the round the group's committed position names (see `ChangelogReplay`).
final class ChangelogRestorer {
    /// What a restore found.
    struct Result {
        /// The round restored (nil: no round matches; the state is empty).
        var marker: ChangelogMarker?
        /// Its users.
        var users: [PartitionUserState]
        /// Ids written outside the chain (to be written again).
        var orphans: [String]
        /// Records read and the time it took.
        var records: Int
        var seconds: Double
    }

    let topic: String
    private let reader: KafkaPartitionReader

    init(topic: String, bootstrapServers: String, properties: [String: String]) throws {
        self.topic = topic
        reader = try KafkaPartitionReader(bootstrapServers: bootstrapServers, properties: properties)
    }

    /// Restores partition `partition` as of `target`.
    func restore(partition: Int32, target: ChangelogReplay.Target, timeoutMs: Int32) throws -> Result {
        let started = ContinuousClock.now
        var replay = ChangelogReplay()
        var records = 0
        _ = try reader.read(TopicPartition(topic: topic, partition: partition), from: 0, timeoutMs: timeoutMs) { record in
            replay.add(key: record.key, value: record.value)
            records += 1
        }
        let (marker, users, orphans) = try replay.resolve(target)
        let elapsed = ContinuousClock.now - started
        return Result(marker: marker, users: users, orphans: orphans, records: records,
                      seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }
}
