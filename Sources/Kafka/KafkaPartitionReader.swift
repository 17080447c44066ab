import CRdKafka
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads one partition at a time from a start offset up to the high watermark seen when the
/// read starts, as when rebuilding state from a topic.
///
/// Uses manual assignment: no group membership, no offset commits (the `group.id` it sets is
/// never joined). Reads of several partitions in sequence reuse the same client. Thread-safe:
/// concurrent `read` calls run one after another (so `body` must not call `read`).
public final class KafkaPartitionReader: @unchecked Sendable {
    private let handle: OpaquePointer
    private let context: ClientContext
    /// Held for the whole of a `read`: the client has one assignment at a time.
    private let reading = Mutex<Void>(())
    /// How long one `rd_kafka_consumer_poll` waits at most, so the deadline is checked often.
    private let pollSliceMs: Int32 = 100
    /// Most messages taken from the queue at once by `readAll`.
    private static let batchSize = 1024

    /// Properties set unless given. `auto.offset.reset=error` makes a start offset that left
    /// the log during a read fail instead of silently skipping records.
    public static let defaultProperties: [String: String] = [
        "group.id": "streamrec-partition-reader",
        "enable.auto.commit": "false",
        "enable.auto.offset.store": "false",
        "enable.partition.eof": "true",
        "auto.offset.reset": "error",
        "fetch.wait.max.ms": "50",
    ]

    /// What a read does when retention (or the mock's log size cap) drops the log's start while
    /// it reads, past the offset it has reached.
    public enum DroppedStart: Sendable {
        /// Fail with `.consume` (`auto.offset.reset=error`): nothing is skipped unnoticed.
        case fail
        /// Go on from the log's new start (`auto.offset.reset=earliest`), as a read begun a
        /// moment later would have: for reads that mean "everything the log still holds".
        case readFromNewStart
    }

    /// Creates a reader of the cluster at `bootstrapServers`.
    ///
    /// - Parameters:
    ///   - properties: librdkafka properties on top of `defaultProperties`; an unknown key or
    ///     bad value throws a `KafkaError` of kind `.configuration` naming the key.
    ///   - droppedStart: what a read does when the log's start is dropped under it (`fail` by default).
    ///   - logSink: receives librdkafka log lines and client errors; nothing is printed without it.
    public init(bootstrapServers: String, properties: [String: String] = [:], droppedStart: DroppedStart = .fail,
                logSink: KafkaLogSink? = nil) throws {
        let context = ClientContext(logSink: logSink)
        var props = properties
        props["bootstrap.servers"] = bootstrapServers
        if droppedStart == .readFromNewStart { props["auto.offset.reset"] = "earliest" }
        let conf = try KafkaConfiguration.make(properties: props, defaults: Self.defaultProperties,
                                               context: context)
        let handle = try KafkaConfiguration.newClient(RD_KAFKA_CONSUMER, conf: conf)
        rd_kafka_poll_set_consumer(handle)
        self.handle = handle
        self.context = context
    }

    deinit {
        _ = rd_kafka_assign(handle, nil)
        _ = rd_kafka_consumer_close(handle)
        rd_kafka_destroy(handle)
    }

    /// Reads `tp` from `offset` (or from the low watermark when that is above it) up to the high
    /// watermark queried at the start of the call, calling `body` for each record in offset
    /// order, and returns that high watermark (the next offset to read).
    ///
    /// An empty partition, or one whose high watermark is at or below `offset`, returns at once
    /// without reading. Blocking up to `timeoutMs` in all. Throws a `KafkaError` of kind `.query`
    /// when the topic or partition does not exist, `.timedOut` when the high watermark was not
    /// reached in time, `.consume` on a fetch error (such as the start offset leaving the log),
    /// `.invalidArgument` for a negative `offset` other than `KafkaOffset.beginning`, and
    /// rethrows what `body` throws.
    @discardableResult
    public func read(_ tp: TopicPartition, from offset: Int64 = 0, timeoutMs: Int32 = 30_000,
                     _ body: (KafkaRecord) throws -> Void) throws -> Int64 {
        try reading.withLock { _ in try readLocked(tp, from: offset, timeoutMs: timeoutMs, body) }
    }

    private func readLocked(_ tp: TopicPartition, from offset: Int64, timeoutMs: Int32,
                            _ body: (KafkaRecord) throws -> Void) throws -> Int64 {
        guard offset >= 0 || offset == KafkaOffset.beginning else {
            throw KafkaError(kind: .invalidArgument, message: "reading \(tp) from offset \(offset)")
        }
        let deadline = ContinuousClock.now + .milliseconds(Int(timeoutMs))
        try checkExists(tp, timeoutMs: timeoutMs)
        var low: Int64 = 0
        var high: Int64 = 0
        let err = rd_kafka_query_watermark_offsets(handle, tp.topic, tp.partition, &low, &high,
                                                   remainingMs(until: deadline))
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError.fromCode(.query, err, context: "querying watermarks of \(tp)")
        }
        let start = max(offset, low, 0)
        guard start < high else { return high }

        try assign(TopicPartitionOffset(tp, offset: start))
        defer { _ = rd_kafka_assign(handle, nil) }
        var next = start
        var lastError: String? = nil
        try tp.topic.withCString { topicName in
            while next < high {
                let wait = min(remainingMs(until: deadline), pollSliceMs)
                guard wait > 0 else {
                    throw KafkaError(kind: .timedOut, message: "reading \(tp): reached offset \(next) of high "
                        + "watermark \(high) (started at \(start)) in \(timeoutMs) ms"
                        + (lastError.map { "; last error: \($0)" } ?? ""))
                }
                guard let message = rd_kafka_consumer_poll(handle, wait) else { continue }
                defer { rd_kafka_message_destroy(message) }
                let m = message.pointee
                // Only the assigned partition is fetched; anything else is left over from before.
                let isOurs = m.partition == tp.partition
                    && m.rkt.map { strcmp(rd_kafka_topic_name($0), topicName) == 0 } == true
                if m.err == RD_KAFKA_RESP_ERR__PARTITION_EOF {
                    // The fetcher is at the log end: nothing before `m.offset` is left to read
                    // (this also covers offsets the log has no record for).
                    if isOurs && m.offset >= high { next = high }
                    continue
                }
                if m.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                    let text = String(cString: rd_kafka_message_errstr(message))
                    if Self.isFatal(m.err) && (isOurs || m.rkt == nil) {
                        throw KafkaError(kind: .consume, rdKafkaCode: m.err.rawValue, message: "reading \(tp): \(text)")
                    }
                    lastError = text
                    continue
                }
                guard isOurs else { continue }
                guard m.offset >= next else { continue }
                guard m.offset < high else { next = high; break }
                let key = m.key.map { Array(UnsafeRawBufferPointer(start: $0, count: m.key_len)) }
                let value = m.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: m.len)) }
                next = m.offset + 1
                try body(KafkaRecord(offset: m.offset, key: key, value: value))
            }
        }
        return high
    }

    /// Reads several partitions of one topic at once, each from its low watermark up to the
    /// high watermark queried at the start of the call, calling `body` with the partition and
    /// the record (offset order within a partition; partitions interleave). One assignment for
    /// all of them, so a restore of many partitions pays the fetch start-up once. Returns the
    /// high watermark of each partition. Throws like `read`.
    @discardableResult
    public func readAll(_ tps: [TopicPartition], timeoutMs: Int32 = 30_000,
                        _ body: (Int32, KafkaRecord) throws -> Void) throws -> [Int32: Int64] {
        try reading.withLock { _ in
            let deadline = ContinuousClock.now + .milliseconds(Int(timeoutMs))
            var next: [Int32: Int64] = [:]
            var high: [Int32: Int64] = [:]
            // One metadata request for the topic, then the partitions' watermarks queried
            // together (one round trip each, concurrently).
            if let first = tps.first { try checkExists(first, timeoutMs: timeoutMs) }
            for tp in tps.dropFirst() where tp.topic != tps[0].topic { try checkExists(tp, timeoutMs: timeoutMs) }
            for tp in tps where tp.partition < 0 {
                throw KafkaError(kind: .query, rdKafkaCode: RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION.rawValue, message: "reading \(tp)")
            }
            let marks = try queryWatermarks(tps, timeoutMs: remainingMs(until: deadline))
            for (tp, (lo, hi)) in zip(tps, marks) {
                high[tp.partition] = hi
                if lo < hi { next[tp.partition] = max(lo, 0) }
            }
            guard let topic = tps.first?.topic, !next.isEmpty else { return high }
            let list = TopicPartitionList.make(next.map { TopicPartitionOffset(topic: topic, partition: $0.key, offset: $0.value) })
            defer { rd_kafka_topic_partition_list_destroy(list) }
            let err = rd_kafka_assign(handle, list)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaError.fromCode(.assignment, err, context: "assigning \(tps.count) partitions of \(topic)")
            }
            defer { _ = rd_kafka_assign(handle, nil) }
            var lastError: String?
            guard let queue = rd_kafka_queue_get_consumer(handle) else {
                throw KafkaError(kind: .consume, message: "reading \(topic): no consumer queue")
            }
            defer { rd_kafka_queue_destroy(queue) }
            // Messages are taken in batches: one queue lock per batch, not per message.
            let batch = UnsafeMutablePointer<UnsafeMutablePointer<rd_kafka_message_t>?>.allocate(capacity: Self.batchSize)
            defer { batch.deallocate() }
            try topic.withCString { topicName in
                while !next.isEmpty {
                    let wait = min(remainingMs(until: deadline), pollSliceMs)
                    guard wait > 0 else {
                        throw KafkaError(kind: .timedOut, message: "reading \(topic): \(next.count) partition(s) short of their high watermark in \(timeoutMs) ms"
                            + (lastError.map { "; last error: \($0)" } ?? ""))
                    }
                    // What is queued, without waiting (a batch call with a timeout waits for a
                    // full batch); when nothing is, wait for one message.
                    var count = rd_kafka_consume_batch_queue(queue, 0, batch, Self.batchSize)
                    if count <= 0 {
                        guard let one = rd_kafka_consumer_poll(handle, wait) else { continue }
                        batch[0] = one
                        count = 1
                    }
                    var k = 0
                    defer { while k < count { rd_kafka_message_destroy(batch[k]); k += 1 } }
                    while k < count {
                        let message = batch[k]!
                        defer { rd_kafka_message_destroy(message); k += 1 }
                        let m = message.pointee
                        let isOurs = m.rkt.map { strcmp(rd_kafka_topic_name($0), topicName) == 0 } == true
                        guard isOurs, let want = next[m.partition], let end = high[m.partition] else {
                            if m.err != RD_KAFKA_RESP_ERR_NO_ERROR && m.err != RD_KAFKA_RESP_ERR__PARTITION_EOF {
                                lastError = String(cString: rd_kafka_message_errstr(message))
                            }
                            continue
                        }
                        if m.err == RD_KAFKA_RESP_ERR__PARTITION_EOF {
                            if m.offset >= end { next[m.partition] = nil }
                            continue
                        }
                        if m.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                            let text = String(cString: rd_kafka_message_errstr(message))
                            if Self.isFatal(m.err) {
                                throw KafkaError(kind: .consume, rdKafkaCode: m.err.rawValue, message: "reading \(topic)[\(m.partition)]: \(text)")
                            }
                            lastError = text
                            continue
                        }
                        guard m.offset >= want else { continue }
                        guard m.offset < end else { next[m.partition] = nil; continue }
                        let key = m.key.map { Array(UnsafeRawBufferPointer(start: $0, count: m.key_len)) }
                        let value = m.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: m.len)) }
                        next[m.partition] = m.offset + 1 >= end ? nil : m.offset + 1
                        try body(m.partition, KafkaRecord(offset: m.offset, key: key, value: value))
                    }
                }
            }
            return high
        }
    }

    /// Throws unless the cluster's metadata lists `tp`'s topic with that partition.
    ///
    /// Asks for all topics: a request naming the topic may create it on brokers that allow
    /// auto-creation, and always does on librdkafka's mock (its Metadata handler stops at v2,
    /// which has no flag to refuse it).
    /// The low and high watermarks of each partition, queried from several threads at once.
    private func queryWatermarks(_ tps: [TopicPartition], timeoutMs: Int32) throws -> [(Int64, Int64)] {
        let results = WatermarkSlots(count: tps.count)
        nonisolated(unsafe) let handle = self.handle
        DispatchQueue.concurrentPerform(iterations: tps.count) { k in
            var lo: Int64 = 0, hi: Int64 = 0
            let err = rd_kafka_query_watermark_offsets(handle, tps[k].topic, tps[k].partition, &lo, &hi, timeoutMs)
            results.set(k, (lo, hi, err))
        }
        return try (0..<tps.count).map { k in
            let (lo, hi, err) = results.get(k)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaError.fromCode(.query, err, context: "querying watermarks of \(tps[k])")
            }
            return (lo, hi)
        }
    }

    private func checkExists(_ tp: TopicPartition, timeoutMs: Int32) throws {
        var metadata: UnsafePointer<rd_kafka_metadata_t>? = nil
        let err = rd_kafka_metadata(handle, 1, nil, &metadata, timeoutMs)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            throw KafkaError.fromCode(.query, err, context: "reading metadata for \(tp)")
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        let topics = UnsafeBufferPointer(start: metadata.pointee.topics, count: Int(metadata.pointee.topic_cnt))
        guard let topic = tp.topic.withCString({ name in topics.first { strcmp($0.topic, name) == 0 } }) else {
            throw KafkaError(kind: .query, rdKafkaCode: RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART.rawValue,
                             message: "reading \(tp): topic '\(tp.topic)' does not exist")
        }
        guard topic.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError.fromCode(.query, topic.err, context: "reading \(tp): topic '\(tp.topic)'")
        }
        guard tp.partition >= 0, tp.partition < topic.partition_cnt else {
            throw KafkaError(kind: .query, rdKafkaCode: RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION.rawValue,
                             message: "reading \(tp): topic '\(tp.topic)' has \(topic.partition_cnt) partitions")
        }
    }

    private func assign(_ tpo: TopicPartitionOffset) throws {
        let list = TopicPartitionList.make([tpo])
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_assign(handle, list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError.fromCode(.assignment, err, context: "assigning \(tpo)")
        }
    }

    /// Milliseconds left until `deadline`, at least 0.
    private func remainingMs(until deadline: ContinuousClock.Instant) -> Int32 {
        let left = ContinuousClock.now.duration(to: deadline)
        let ms = left.components.seconds * 1_000 + left.components.attoseconds / 1_000_000_000_000_000
        return Int32(clamping: max(ms, 0))
    }

    /// Fetch errors after which the partition cannot be read to its end by waiting.
    private static func isFatal(_ err: rd_kafka_resp_err_t) -> Bool {
        err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET || err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE
            || err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION
            || err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC || err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED
            || err == RD_KAFKA_RESP_ERR__FATAL
    }
}

/// One slot per partition, each written by one task of a concurrent watermark query.
private final class WatermarkSlots: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<(Int64, Int64, rd_kafka_resp_err_t)>

    init(count: Int) {
        slots = .allocate(capacity: max(count, 1))
        slots.initialize(repeating: (0, 0, RD_KAFKA_RESP_ERR_NO_ERROR))
    }

    deinit { slots.deallocate() }

    func set(_ k: Int, _ value: (Int64, Int64, rd_kafka_resp_err_t)) { slots[k] = value }

    func get(_ k: Int) -> (Int64, Int64, rd_kafka_resp_err_t) { slots[k] }
}
