import CRdKafka
import Synchronization

/// A Kafka consumer over one `rd_kafka_t`, in a consumer group (`subscribe`) or with manual
/// assignment (`assign`).
///
/// `poll` blocks: run it on a dedicated thread, not on the Swift concurrency pool. Rebalance
/// callbacks, errors and log lines are served inside `poll`. The other methods are thread-safe.
public final class KafkaConsumer: @unchecked Sendable {
    let handle: OpaquePointer
    let context: ClientContext
    private let closed = Atomic<Bool>(false)

    /// Properties set unless given: no auto commit, no auto offset store, reading from the
    /// earliest offset when the group has none, no partition EOF events.
    public static let defaultProperties: [String: String] = [
        "enable.auto.commit": "false",
        "enable.auto.offset.store": "false",
        "auto.offset.reset": "earliest",
        "enable.partition.eof": "false",
    ]

    /// Creates a consumer from librdkafka properties (`bootstrap.servers`, `group.id`, ...).
    ///
    /// - Parameters:
    ///   - properties: librdkafka configuration on top of `defaultProperties`; an unknown key or
    ///     bad value throws a `KafkaError` of kind `.configuration` naming the key.
    ///   - logSink: receives librdkafka log lines and errors; nothing is printed without it.
    ///   - onError: receives consumer-level errors (broker down, unknown topic, ...), called inside `poll`.
    public init(properties: [String: String],
                logSink: KafkaLogSink? = nil,
                onError: (@Sendable (KafkaError) -> Void)? = nil) throws {
        let context = ClientContext(logSink: logSink, onError: onError)
        let conf = try KafkaConfiguration.make(properties: properties, defaults: Self.defaultProperties,
                                               context: context)
        rd_kafka_conf_set_rebalance_cb(conf) { rk, err, partitions, opaque in
            guard let rk, let context = ClientContext.from(opaque) else { return }
            KafkaConsumer.rebalance(rk, err, partitions, context)
        }
        let handle = try KafkaConfiguration.newClient(RD_KAFKA_CONSUMER, conf: conf)
        rd_kafka_poll_set_consumer(handle)
        self.handle = handle
        self.context = context
    }

    deinit {
        close()
        rd_kafka_destroy(handle)
    }

    /// True once `close` was called.
    public var isClosed: Bool { closed.load(ordering: .acquiring) }

    /// Leaves the group (revoking partitions through `onRevoke`), stops fetching and releases the
    /// rebalance handlers. Blocking; idempotent; also run by `deinit`. Call it from the polling thread or after that
    /// thread stopped polling.
    ///
    /// A group member first unsubscribes and serves the rebalance that raises, for up to
    /// `leaveTimeoutMs`, until nothing is assigned; only then does librdkafka's close run. Its
    /// close serves the revocation itself otherwise, and in librdkafka 2.0 the unassign made from
    /// that revocation can wait forever when a rebalance is in progress (a member stopping as
    /// another leaves); messages fetched meanwhile are dropped unread.
    public func close(leaveTimeoutMs: Int32 = 10_000) {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        if context.rebalance.withLock({ $0 != nil }) {
            _ = rd_kafka_unsubscribe(handle)
            let deadline = ContinuousClock.now + .milliseconds(Int(leaveTimeoutMs))
            while ContinuousClock.now < deadline {
                if let message = rd_kafka_consumer_poll(handle, 50) { rd_kafka_message_destroy(message) }
                if assignment().isEmpty { break }
            }
        }
        _ = rd_kafka_consumer_close(handle)
        // The handlers often capture their owner, which owns this consumer: drop them so the
        // owner (and with it this client) can go once it is released.
        context.rebalance.withLock { $0 = nil }
    }

    /// Subscribes to `topics` as a member of the consumer group `group.id`.
    ///
    /// On each assignment (inside `poll`), `onAssign` receives the new partitions and returns start
    /// offsets to override; partitions missing from the map start at the committed offset, else
    /// at `auto.offset.reset`. `onRevoke` runs before partitions are taken away (also on `close`).
    public func subscribe(topics: [String],
                          onAssign: @escaping ([TopicPartition]) -> [TopicPartition: Int64] = { _ in [:] },
                          onRevoke: @escaping ([TopicPartition]) -> Void = { _ in }) throws {
        guard !isClosed else { throw KafkaError.closed("consumer") }
        let handlers = RebalanceHandlers(onAssign: onAssign, onRevoke: onRevoke)
        context.rebalance.withLock { $0 = handlers }
        let list = TopicPartitionList.make(topics.map { TopicPartition(topic: $0, partition: RD_KAFKA_PARTITION_UA) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_subscribe(handle, list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError.fromCode(.subscription, err, context: "subscribing to \(topics)")
        }
    }

    /// Assigns partitions manually, each starting at its offset (a real offset, or one of
    /// `KafkaOffset`). Replaces the current assignment; an empty array clears it.
    public func assign(_ partitions: [TopicPartitionOffset]) throws {
        guard !isClosed else { throw KafkaError.closed("consumer") }
        let list = TopicPartitionList.make(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_assign(handle, list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError.fromCode(.assignment, err, context: "assigning \(partitions)")
        }
    }

    /// The partitions currently assigned (empty on error).
    public func assignment() -> [TopicPartition] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>? = nil
        guard rd_kafka_assignment(handle, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return [] }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        return TopicPartitionList.partitions(list)
    }

    /// Waits up to `timeoutMs` for a first message, then hands it and every message already
    /// fetched, up to `maxMessages`, to `body`, without allocating per message. Blocking.
    ///
    /// Consumer-level errors go to `onError` (partition EOF is skipped); rebalance callbacks run
    /// here. If `body` throws, the error is rethrown after the message is released; the position
    /// has already moved past that message, so `seek` back to read it again. Returns the
    /// number of messages handed to `body`; 0 at once after `close` or when `maxMessages` < 1.
    public func poll(timeoutMs: Int32, maxMessages: Int,
                     _ body: (borrowing KafkaMessageView) throws -> Void) rethrows -> Int {
        guard !isClosed else { return 0 }
        var count = 0
        var wait = timeoutMs
        while count < maxMessages {
            guard let message = rd_kafka_consumer_poll(handle, wait) else { break }
            wait = 0
            defer { rd_kafka_message_destroy(message) }
            let err = message.pointee.err
            if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                if err != RD_KAFKA_RESP_ERR__PARTITION_EOF { reportMessageError(message) }
                continue
            }
            try body(KafkaMessageView(message))
            count += 1
        }
        return count
    }

    private func reportMessageError(_ message: UnsafeMutablePointer<rd_kafka_message_t>) {
        var text = String(cString: rd_kafka_message_errstr(message))
        if let rkt = message.pointee.rkt {
            text = "\(String(cString: rd_kafka_topic_name(rkt)))[\(message.pointee.partition)]: \(text)"
        }
        context.report(KafkaError(kind: .consume, rdKafkaCode: message.pointee.err.rawValue, message: text))
    }

    /// Stops fetching from `partitions` (backpressure); their positions are kept.
    public func pause(_ partitions: [TopicPartition]) throws {
        try pauseOrResume(partitions, pause: true)
    }

    /// Resumes fetching from `partitions` after `pause`.
    public func resume(_ partitions: [TopicPartition]) throws {
        try pauseOrResume(partitions, pause: false)
    }

    private func pauseOrResume(_ partitions: [TopicPartition], pause: Bool) throws {
        let list = TopicPartitionList.make(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = pause ? rd_kafka_pause_partitions(handle, list) : rd_kafka_resume_partitions(handle, list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError.fromCode(.assignment, err, context: pause ? "pausing" : "resuming")
        }
        try TopicPartitionList.forEach(list) { element throws(KafkaError) in
            guard element.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaError.fromCode(.assignment, element.err,
                                          context: "\(pause ? "pausing" : "resuming") \(String(cString: element.topic))[\(element.partition)]")
            }
        }
    }
}
