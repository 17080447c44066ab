import Events
import Foundation
import Kafka

/// Checks what a group of pipelines did, from outside: the input topic as delivered (each
/// event's partition and offset) against the lists on the output topic.
public struct GroupAudit: Sendable {
    /// One input event where the broker put it.
    public struct Delivered: Sendable {
        public let partition: Int32
        public let offset: Int64
        public let user: String
        public let item: String
    }

    /// Every event of the input topic, by partition and offset.
    public let delivered: [Delivered]

    /// Reads the whole input topic of `kafka` with a separate client.
    public init(_ kafka: KafkaTestHarness) throws {
        try self.init(bootstrapServers: kafka.cluster.bootstrapServers, topic: kafka.input, partitions: kafka.partitions)
    }

    /// Reads every partition of `topic` with a separate client.
    public init(bootstrapServers: String, topic: String, partitions: Int32) throws {
        let reader = try KafkaPartitionReader(bootstrapServers: bootstrapServers)
        let decoder = EventDecoder()
        var out: [Delivered] = []
        for p in 0..<partitions {
            try reader.read(TopicPartition(topic: topic, partition: p)) { record in
                guard let value = record.value,
                      let event = try? value.withUnsafeBytes({ try decoder.decode($0, fallbackTimestampMs: 0) }) else { return }
                out.append(Delivered(partition: p, offset: record.offset, user: event.user, item: event.item))
            }
        }
        delivered = out
    }

    /// Events per user.
    public var eventsPerUser: [String: Int] {
        var out: [String: Int] = [:]
        for d in delivered { out[d.user, default: 0] += 1 }
        return out
    }

    /// Lists that hold an item their user interacted with at or before the list's `based_on`
    /// position, each as a sentence (empty: none).
    public func seenItemViolations(_ lists: [ParsedList]) -> [String] {
        var history: [String: [(partition: Int32, offset: Int64, item: String)]] = [:]
        for d in delivered { history[d.user, default: []].append((d.partition, d.offset, d.item)) }
        var out: [String] = []
        for list in lists {
            let seen = Set((history[list.user] ?? []).filter {
                Int($0.partition) == list.basedOnPartition && $0.offset <= Int64(list.basedOnOffset)
            }.map(\.item))
            let bad = list.items.filter { seen.contains($0) }
            if !bad.isEmpty {
                out.append("\(list.user) based on \(list.basedOnPartition)/\(list.basedOnOffset) lists seen \(bad)")
            }
        }
        return out
    }
}
