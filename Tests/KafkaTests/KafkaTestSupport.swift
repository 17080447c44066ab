import Kafka
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One consumed message, copied out of the borrowed view.
struct ConsumedRecord: Hashable {
    var topic: String
    var partition: Int32
    var offset: Int64
    var key: String
    var value: String
    var headers: [KafkaHeader]
}

/// Helpers shared by the Kafka tests; every test starts its own mock cluster.
enum KafkaTestSupport {
    /// The value of an environment variable, nil when unset.
    static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// Producer properties for a fast test run against `cluster`.
    static func producerProperties(_ cluster: MockCluster) -> [String: String] {
        ["bootstrap.servers": cluster.bootstrapServers, "linger.ms": "5"]
    }

    /// Consumer properties with short group timeouts for `cluster`.
    ///
    /// `topic.metadata.refresh.interval.ms` stays at its default: a low value made group joins
    /// on the mock stall now and then (repeated rejoins), so tests must not lower it.
    static func consumerProperties(_ cluster: MockCluster, group: String) -> [String: String] {
        [
            "bootstrap.servers": cluster.bootstrapServers,
            "group.id": group,
            "session.timeout.ms": "6000",
            "heartbeat.interval.ms": "300",
            "fetch.wait.max.ms": "50",
        ]
    }

    /// Produces `count` messages numbered from `first` to `topic` (value = the number), optionally
    /// to a fixed partition, and waits for delivery.
    static func produceNumbered(_ producer: KafkaProducer, topic: String, first: Int = 0, count: Int,
                                partition: Int32? = nil) throws {
        for index in first..<(first + count) {
            try producer.produce(topic: topic, key: "k\(index % 7)", value: "\(index)", partition: partition)
        }
        _ = producer.flush(timeoutMs: 10_000)
    }

    /// Polls until `expected` messages arrived or `seconds` passed; returns them in arrival order.
    static func consume(_ consumer: KafkaConsumer, expected: Int, seconds: Int = 30) -> [ConsumedRecord] {
        var records: [ConsumedRecord] = []
        let deadline = ContinuousClock.now + .seconds(seconds)
        while records.count < expected && ContinuousClock.now < deadline {
            _ = consumer.poll(timeoutMs: 100, maxMessages: 500) { message in
                records.append(ConsumedRecord(
                    topic: message.topicName, partition: message.partition, offset: message.offset,
                    key: String(decoding: message.key, as: UTF8.self),
                    value: String(decoding: message.payload, as: UTF8.self),
                    headers: message.headers()))
            }
        }
        return records
    }

    /// Polls for `milliseconds`, returning the messages that arrived.
    static func consumeFor(_ consumer: KafkaConsumer, milliseconds: Int) -> [ConsumedRecord] {
        var records: [ConsumedRecord] = []
        let deadline = ContinuousClock.now + .milliseconds(milliseconds)
        while ContinuousClock.now < deadline {
            _ = consumer.poll(timeoutMs: 50, maxMessages: 500) { message in
                records.append(ConsumedRecord(
                    topic: message.topicName, partition: message.partition, offset: message.offset,
                    key: String(decoding: message.key, as: UTF8.self),
                    value: String(decoding: message.payload, as: UTF8.self), headers: []))
            }
        }
        return records
    }
}

/// A thread-safe list that callbacks append to.
final class Collected<T: Sendable>: Sendable {
    private let storage = Mutex<[T]>([])
    func append(_ value: T) { storage.withLock { $0.append(value) } }
    var values: [T] { storage.withLock { $0 } }
}
