import Engine
import Foundation
import Kafka

/// Reads partitions of the changelog topic to their end (together, in one assignment) and
/// rebuilds each partition's state as of the round the group's committed position names (see
/// `ChangelogReplay`).
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
    /// Seconds the last `restore(_:timeoutMs:)` spent reading, before resolving.
    private(set) var lastReadSeconds = 0.0


    init(topic: String, bootstrapServers: String, properties: [String: String]) throws {
        self.topic = topic
        reader = try KafkaPartitionReader(bootstrapServers: bootstrapServers, properties: properties)
    }

    /// Restores several partitions, each as of its target, reading them in one pass.
    func restore(_ targets: [Int32: ChangelogReplay.Target], timeoutMs: Int32) throws -> [Int32: Result] {
        let started = ContinuousClock.now
        var replays: [Int32: ChangelogReplay] = [:]
        var records: [Int32: Int] = [:]
        for p in targets.keys { replays[p] = ChangelogReplay(); records[p] = 0 }
        try reader.readAll(targets.keys.sorted().map { TopicPartition(topic: topic, partition: $0) }, timeoutMs: timeoutMs) { p, record in
            replays[p]?.add(key: record.key, value: record.value)
            records[p, default: 0] += 1
        }
        let readSeconds = StreamPipeline.seconds(ContinuousClock.now - started)
        // Partitions resolve (and decode their user records) independently: on all cores.
        let order = targets.keys.sorted()
        let finished = replays
        let slots = ResolvedSlots(count: order.count)
        DispatchQueue.concurrentPerform(iterations: order.count) { k in
            let p = order[k]
            slots.set(k, Swift.Result(catching: { try finished[p]!.resolve(targets[p]!) }))
        }
        var out: [Int32: Result] = [:]
        for (k, p) in order.enumerated() {
            let (marker, users, orphans) = try slots.take(k).get()
            out[p] = Result(marker: marker, users: users, orphans: orphans, records: records[p] ?? 0, seconds: 0)
        }
        let seconds = StreamPipeline.seconds(ContinuousClock.now - started)
        lastReadSeconds = readSeconds
        // The time is shared by the partitions read together: each gets its share by records.
        let total = max(1, records.values.reduce(0, +))
        for p in out.keys { out[p]!.seconds = seconds * Double(records[p] ?? 0) / Double(total) }
        return out
    }
}

/// One result slot per partition, each written by exactly one task of a concurrent resolve and
/// read after all of them finished.
private final class ResolvedSlots: @unchecked Sendable {
    typealias Resolved = Swift.Result<(marker: ChangelogMarker?, users: [PartitionUserState], orphans: [String]), any Error>
    private let slots: UnsafeMutableBufferPointer<Resolved?>

    init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil)
    }

    deinit {
        slots.deinitialize()
        slots.deallocate()
    }

    func set(_ k: Int, _ value: Resolved) { slots[k] = value }

    func take(_ k: Int) -> Resolved { slots[k]! }
}
