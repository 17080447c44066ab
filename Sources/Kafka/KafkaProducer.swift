import CRdKafka
import Synchronization

/// A Kafka producer over one `rd_kafka_t`: enqueues messages (copied) and counts delivery reports.
///
/// Thread-safe. Delivery reports, log lines and errors are served by `poll` and `flush`, so
/// call `poll` regularly (for example after each batch of `produce` calls). Call `flush` before
/// releasing the producer: messages still queued when it is destroyed are dropped.
public final class KafkaProducer: @unchecked Sendable {
    let handle: OpaquePointer
    private let context: ClientContext
    private let topics = Mutex<[String: OpaquePointer]>([:])
    /// How long `produce` waits in `rd_kafka_poll` before retrying when the local queue is full.
    private let queueFullPollMs: Int32 = 50

    /// Properties set unless given: the Java client's key hashing (`murmur2_random`), so a key
    /// lands on the same partition whichever client produced it.
    public static let defaultProperties: [String: String] = [
        "partitioner": "murmur2_random",
    ]

    /// Creates a producer from librdkafka properties (`bootstrap.servers`, `linger.ms`, ...).
    ///
    /// - Parameters:
    ///   - properties: librdkafka configuration on top of `defaultProperties`; an unknown key
    ///     or bad value throws a `KafkaError` of kind `.configuration` naming the key.
    ///   - logSink: receives librdkafka log lines and client errors; nothing is printed without it.
    ///   - onError: receives client-level errors (all brokers down, ...), called inside `poll`.
    ///   - onDeliveryFailure: called inside `poll`/`flush` for each message whose delivery failed.
    ///   - onFailedMessage: also called inside `poll`/`flush` for each message whose delivery
    ///     failed (after `onDeliveryFailure`), with the message's topic, partition and key.
    public init(properties: [String: String],
                logSink: KafkaLogSink? = nil,
                onError: (@Sendable (KafkaError) -> Void)? = nil,
                onDeliveryFailure: (@Sendable (KafkaError, TopicPartition?) -> Void)? = nil,
                onFailedMessage: (@Sendable (DeliveryFailure) -> Void)? = nil) throws {
        let context = ClientContext(logSink: logSink, onError: onError, onDeliveryFailure: onDeliveryFailure,
                                    onFailedMessage: onFailedMessage)
        let conf = try KafkaConfiguration.make(properties: properties, defaults: Self.defaultProperties,
                                               context: context)
        rd_kafka_conf_set_dr_msg_cb(conf) { _, message, opaque in
            guard let message, let context = ClientContext.from(opaque) else { return }
            let tag = UInt32(truncatingIfNeeded: UInt(bitPattern: message.pointee._private))
            if tag != 0 { context.countPending(tag: tag, by: -1) }
            let err = message.pointee.err
            if err == RD_KAFKA_RESP_ERR_NO_ERROR {
                context.delivered.add(1, ordering: .relaxed)
                return
            }
            context.failed.add(1, ordering: .relaxed)
            guard context.onDeliveryFailure != nil || context.onFailedMessage != nil else { return }
            let error = KafkaError.fromCode(.delivery, err, context: "delivery failed")
            let topic = message.pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) }
            let partition = message.pointee.partition
            context.onDeliveryFailure?(error, topic.map { TopicPartition(topic: $0, partition: partition) })
            guard let callback = context.onFailedMessage else { return }
            let key = message.pointee.key.map {
                Array(UnsafeRawBufferPointer(start: $0, count: message.pointee.key_len))
            } ?? []
            callback(DeliveryFailure(error: error, topic: topic ?? "", partition: partition, key: key))
        }
        self.handle = try KafkaConfiguration.newClient(RD_KAFKA_PRODUCER, conf: conf)
        self.context = context
    }

    deinit {
        topics.withLock { cache in
            for (_, rkt) in cache { rd_kafka_topic_destroy(rkt) }
            cache.removeAll()
        }
        rd_kafka_destroy(handle)
    }

    /// Messages whose delivery the broker acknowledged (counted inside `poll`/`flush`).
    public var deliveredCount: Int { context.delivered.load(ordering: .relaxed) }

    /// Messages whose delivery failed (counted inside `poll`/`flush`).
    public var failedCount: Int { context.failed.load(ordering: .relaxed) }

    /// Messages and requests still in librdkafka's queues (`rd_kafka_outq_len`).
    public var outstandingCount: Int { Int(rd_kafka_outq_len(handle)) }

    /// Messages produced with a delivery tag of at most `tag` (and not 0) whose delivery report
    /// (success or failure) has not been served yet by `poll` or `flush`. 0 means every such
    /// message is delivered or failed.
    public func pendingDeliveries(taggedAtMost tag: UInt32) -> Int {
        context.pendingByTag.withLock { pending in
            pending.reduce(0) { $0 + ($1.key <= tag ? $1.value : 0) }
        }
    }

    /// Serves delivery reports and callbacks; blocks up to `timeoutMs` (0 = do not block).
    /// Returns the number of events served.
    @discardableResult
    public func poll(timeoutMs: Int32 = 0) -> Int {
        Int(rd_kafka_poll(handle, timeoutMs))
    }

    /// Waits up to `timeoutMs` for every outstanding message to be delivered or to fail,
    /// serving delivery reports. Blocking. Returns true when the queue drained.
    @discardableResult
    public func flush(timeoutMs: Int32) -> Bool {
        rd_kafka_flush(handle, timeoutMs) == RD_KAFKA_RESP_ERR_NO_ERROR
    }

    /// The cached `rd_kafka_topic_t` for `name`, created on first use.
    private func topicHandle(_ name: String) throws -> OpaquePointer {
        try topics.withLock { cache throws(KafkaError) -> OpaquePointer in
            if let rkt = cache[name] { return rkt }
            guard let rkt = rd_kafka_topic_new(handle, name, nil) else {
                throw KafkaError.fromCode(.produce, rd_kafka_last_error(), context: "topic '\(name)'")
            }
            cache[name] = rkt
            return rkt
        }
    }

    /// Enqueues one message; librdkafka copies key, value and headers before it returns.
    ///
    /// When the local queue is full it serves delivery reports (`rd_kafka_poll`) and retries,
    /// so it may block until there is room. The delivery outcome is reported later through
    /// `deliveredCount`, `failedCount`, `onDeliveryFailure` and `onFailedMessage`.
    /// - Parameters:
    ///   - partition: the partition, or nil to let the partitioner hash the key.
    ///   - timestampMs: the message timestamp in milliseconds since the epoch, nil for now.
    ///   - tag: a delivery tag (0: none); `pendingDeliveries(taggedAtMost:)` counts the messages
    ///     of a tag until their delivery reports are served.
    public func produce(topic: String, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer,
                        headers: [KafkaHeader] = [], partition: Int32? = nil, timestampMs: Int64? = nil,
                        tag: UInt32 = 0) throws {
        let rkt = try topicHandle(topic)
        var hdrs: OpaquePointer? = nil
        if !headers.isEmpty {
            let list = rd_kafka_headers_new(headers.count)!
            for header in headers {
                var name = header.name
                name.withUTF8 { nameBytes in
                    header.value.withUnsafeBytes { valueBytes in
                        _ = nameBytes.withMemoryRebound(to: CChar.self) { chars in
                            rd_kafka_header_add(list, chars.baseAddress, chars.count,
                                                valueBytes.baseAddress, valueBytes.count)
                        }
                    }
                }
            }
            hdrs = list
        }
        var error: OpaquePointer? = nil
        // Counted before it is enqueued: its report may be served (by another thread's poll)
        // before `produceva` returns.
        if tag != 0 { context.countPending(tag: tag, by: 1) }
        while true {
            error = withUnsafeTemporaryAllocation(of: rd_kafka_vu_t.self, capacity: 8) { vus in
                var count = 0
                func add(_ vtype: rd_kafka_vtype_t, _ fill: (inout rd_kafka_vu_t) -> Void) {
                    var vu = rd_kafka_vu_t()
                    vu.vtype = vtype
                    fill(&vu)
                    vus.initializeElement(at: count, to: vu)
                    count += 1
                }
                add(RD_KAFKA_VTYPE_RKT) { $0.u.rkt = rkt }
                add(RD_KAFKA_VTYPE_MSGFLAGS) { $0.u.i = RD_KAFKA_MSG_F_COPY }
                add(RD_KAFKA_VTYPE_KEY) {
                    $0.u.mem.ptr = UnsafeMutableRawPointer(mutating: key.baseAddress)
                    $0.u.mem.size = key.count
                }
                add(RD_KAFKA_VTYPE_VALUE) {
                    $0.u.mem.ptr = UnsafeMutableRawPointer(mutating: value.baseAddress)
                    $0.u.mem.size = value.count
                }
                if let partition { add(RD_KAFKA_VTYPE_PARTITION) { $0.u.i32 = partition } }
                if let hdrs { add(RD_KAFKA_VTYPE_HEADERS) { $0.u.headers = hdrs } }
                if let timestampMs { add(RD_KAFKA_VTYPE_TIMESTAMP) { $0.u.i64 = timestampMs } }
                if tag != 0 { add(RD_KAFKA_VTYPE_OPAQUE) { $0.u.ptr = UnsafeMutableRawPointer(bitPattern: UInt(tag)) } }
                return rd_kafka_produceva(handle, vus.baseAddress, count)
            }
            guard let current = error else { return }
            if rd_kafka_error_code(current) == RD_KAFKA_RESP_ERR__QUEUE_FULL {
                rd_kafka_error_destroy(current)
                rd_kafka_poll(handle, queueFullPollMs)
                continue
            }
            if let hdrs { rd_kafka_headers_destroy(hdrs) }
            if tag != 0 { context.countPending(tag: tag, by: -1) }
            throw KafkaError.consuming(.produce, current, context: "producing to '\(topic)'")
        }
    }

    /// Enqueues `count` messages to partition `partition` of `topic`, in calls of up to
    /// `batchChunk` (`rd_kafka_produce_batch`, which copies keys and values and takes the
    /// partition queue's lock once per call instead of once per message). Message k's key and
    /// value are `message(k)`, read during this call only. Every message carries `tag`. A
    /// message refused for a full local queue is enqueued again as `produce` does (serving
    /// delivery reports until there is room), after the rest of its call: the order of messages
    /// within one batch is not kept, the order of batches is.
    public func produceBatch(topic: String, partition: Int32, tag: UInt32 = 0, count: Int,
                             message: (Int) -> (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)) throws {
        guard count > 0 else { return }
        let rkt = try topicHandle(topic)
        if tag != 0 { context.countPending(tag: tag, by: count) }
        var first = 0
        try withUnsafeTemporaryAllocation(of: rd_kafka_message_t.self, capacity: Self.batchChunk) { messages in
            while first < count {
                let n = min(Self.batchChunk, count - first)
                for j in 0..<n {
                    let (key, value) = message(first + j)
                    var m = rd_kafka_message_t()
                    m.payload = UnsafeMutableRawPointer(mutating: value.baseAddress)
                    m.len = value.count
                    m.key = UnsafeMutableRawPointer(mutating: key.baseAddress)
                    m.key_len = key.count
                    m._private = tag != 0 ? UnsafeMutableRawPointer(bitPattern: UInt(tag)) : nil
                    messages.initializeElement(at: j, to: m)
                }
                let enqueued = Int(rd_kafka_produce_batch(rkt, partition, RD_KAFKA_MSG_F_COPY, messages.baseAddress, Int32(n)))
                if enqueued < n {
                    for j in 0..<n where messages[j].err != RD_KAFKA_RESP_ERR_NO_ERROR {
                        let code = messages[j].err
                        // `produce` counts the message again.
                        if tag != 0 { context.countPending(tag: tag, by: -1) }
                        if code == RD_KAFKA_RESP_ERR__QUEUE_FULL {
                            let (key, value) = message(first + j)
                            try produce(topic: topic, key: key, value: value, partition: partition, tag: tag)
                        } else {
                            // The messages of this call after it and of later calls are not sent.
                            let unsent = (j + 1..<n).filter { messages[$0].err != RD_KAFKA_RESP_ERR_NO_ERROR }.count + (count - first - n)
                            if tag != 0 { context.countPending(tag: tag, by: -unsent) }
                            throw KafkaError.fromCode(.produce, code, context: "producing to '\(topic)' [\(partition)]")
                        }
                    }
                }
                first += n
            }
        }
    }

    /// Messages per `rd_kafka_produce_batch` call in `produceBatch`.
    static let batchChunk = 1_024
}
