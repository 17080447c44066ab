import CRdKafka
import Synchronization

/// State shared with librdkafka's C callbacks through the configuration opaque pointer.
///
/// The owning client keeps it alive for as long as its `rd_kafka_t` exists.
final class ClientContext: @unchecked Sendable {
    let logSink: KafkaLogSink?
    let onError: (@Sendable (KafkaError) -> Void)?
    let onDeliveryFailure: (@Sendable (KafkaError, TopicPartition?) -> Void)?
    let onFailedMessage: (@Sendable (DeliveryFailure) -> Void)?
    let delivered = Atomic<Int>(0)
    let failed = Atomic<Int>(0)
    /// Messages produced with a delivery tag whose report has not come yet, by tag.
    let pendingByTag = Mutex<[UInt32: Int]>([:])
    /// Rebalance handlers, set by `subscribe` and read inside `poll`.
    let rebalance = Mutex<RebalanceHandlers?>(nil)

    init(logSink: KafkaLogSink?,
         onError: (@Sendable (KafkaError) -> Void)? = nil,
         onDeliveryFailure: (@Sendable (KafkaError, TopicPartition?) -> Void)? = nil,
         onFailedMessage: (@Sendable (DeliveryFailure) -> Void)? = nil) {
        self.logSink = logSink
        self.onError = onError
        self.onDeliveryFailure = onDeliveryFailure
        self.onFailedMessage = onFailedMessage
    }

    /// The context behind a client handle's opaque pointer.
    @inline(__always)
    static func from(_ opaque: UnsafeMutableRawPointer?) -> ClientContext? {
        guard let opaque else { return nil }
        return Unmanaged<ClientContext>.fromOpaque(opaque).takeUnretainedValue()
    }

    /// One more message with delivery tag `tag` is pending (`by` 1) or settled (`by` -1).
    func countPending(tag: UInt32, by change: Int) {
        pendingByTag.withLock { pending in
            let n = pending[tag, default: 0] + change
            pending[tag] = n == 0 ? nil : n
        }
    }

    /// Reports a client error to the error handler and to the log sink.
    func report(_ error: KafkaError) {
        onError?(error)
        logSink?(3, "ERROR", error.description)
    }
}

/// The callbacks given to `KafkaConsumer.subscribe`.
struct RebalanceHandlers: @unchecked Sendable {
    var onAssign: ([TopicPartition]) -> [TopicPartition: Int64]
    var onRevoke: ([TopicPartition]) -> Void
}
