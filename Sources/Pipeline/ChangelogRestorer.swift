import Engine
import Foundation
import Kafka

/// Reads partitions of the changelog topic to their end and rebuilds each partition's state as
/// of the round the group's committed position names (see `ChangelogReplay`).
///
/// The partitions are split over `lanes` readers, each with its own connection, that read and
/// then resolve their share at the same time: while one lane decodes, the broker serves the
/// other (the mock cluster answers a fetch with one message set per partition, so a single
/// reader spends much of a restore waiting for the next answer).
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

    /// Readers used together at most.
    static let lanes = 4

    /// Reader properties unless given: a restore reads whole logs, so each fetch may bring up
    /// to 16 MiB per partition (librdkafka's default is 1 MiB): fewer round trips.
    static let readerProperties = ["max.partition.fetch.bytes": "16777216"]

    let topic: String
    private let readers: [KafkaPartitionReader]
    /// Seconds the last `restore(_:timeoutMs:)` spent reading, before resolving (the slowest lane).
    private(set) var lastReadSeconds = 0.0

    init(topic: String, bootstrapServers: String, properties: [String: String]) throws {
        self.topic = topic
        // A restore reads what the log holds: a start dropped while it reads is what a restore
        // begun a moment later would not have seen either.
        let properties = Self.readerProperties.merging(properties) { $1 }
        readers = try (0..<Self.lanes).map { _ in
            try KafkaPartitionReader(bootstrapServers: bootstrapServers, properties: properties, droppedStart: .readFromNewStart)
        }
    }

    /// Restores several partitions, each as of its target: lane k reads the k-th share of them
    /// (round robin by partition number) and resolves it.
    func restore(_ targets: [Int32: ChangelogReplay.Target], timeoutMs: Int32) throws -> [Int32: Result] {
        let started = ContinuousClock.now
        let order = targets.keys.sorted()
        let laneCount = min(readers.count, order.count)
        let shares = (0..<laneCount).map { lane in stride(from: lane, to: order.count, by: laneCount).map { order[$0] } }
        let slots = LaneSlots(count: laneCount)
        let topic = topic
        let readers = readers
        DispatchQueue.concurrentPerform(iterations: laneCount) { lane in
            slots.set(lane, Swift.Result(catching: {
                try Self.readAndResolve(shares[lane], targets: targets, topic: topic, reader: readers[lane], started: started, timeoutMs: timeoutMs)
            }))
        }
        var out: [Int32: Result] = [:]
        var records: [Int32: Int] = [:]
        var readSeconds = 0.0
        for lane in 0..<laneCount {
            let done = try slots.take(lane).get()
            readSeconds = max(readSeconds, done.readSeconds)
            for (p, result) in done.results { out[p] = result; records[p] = result.records }
        }
        let seconds = StreamPipeline.seconds(ContinuousClock.now - started)
        lastReadSeconds = readSeconds
        // The time is shared by the partitions read together: each gets its share by records.
        let total = max(1, records.values.reduce(0, +))
        for p in out.keys { out[p]!.seconds = seconds * Double(records[p] ?? 0) / Double(total) }
        return out
    }

    /// One lane: reads `partitions` in one pass, then resolves each.
    private static func readAndResolve(_ partitions: [Int32], targets: [Int32: ChangelogReplay.Target], topic: String,
                                       reader: KafkaPartitionReader, started: ContinuousClock.Instant,
                                       timeoutMs: Int32) throws -> LaneResult {
        var replays: [Int32: ChangelogReplay] = [:]
        var records: [Int32: Int] = [:]
        for p in partitions { replays[p] = ChangelogReplay(); records[p] = 0 }
        try reader.readAll(partitions.map { TopicPartition(topic: topic, partition: $0) }, timeoutMs: timeoutMs) { p, record in
            replays[p]?.add(key: record.key, value: record.value)
            records[p, default: 0] += 1
        }
        let readSeconds = StreamPipeline.seconds(ContinuousClock.now - started)
        var results: [Int32: Result] = [:]
        for p in partitions {
            let (marker, users, orphans) = try replays[p]!.resolve(targets[p]!)
            replays[p] = nil
            results[p] = Result(marker: marker, users: users, orphans: orphans, records: records[p] ?? 0, seconds: 0)
        }
        return LaneResult(results: results, readSeconds: readSeconds)
    }

    /// What one lane read and resolved.
    private struct LaneResult {
        var results: [Int32: Result]
        var readSeconds: Double
    }

    /// One result slot per lane, each written by exactly one task of the concurrent restore and
    /// read after all of them finished.
    private final class LaneSlots: @unchecked Sendable {
        private let slots: UnsafeMutableBufferPointer<Swift.Result<LaneResult, any Error>?>

        init(count: Int) {
            slots = .allocate(capacity: count)
            slots.initialize(repeating: nil)
        }

        deinit {
            slots.deinitialize()
            slots.deallocate()
        }

        func set(_ k: Int, _ value: Swift.Result<LaneResult, any Error>) { slots[k] = value }

        func take(_ k: Int) -> Swift.Result<LaneResult, any Error> { slots[k]! }
    }
}
