import CRdKafka

/// An in-process Kafka cluster from librdkafka's mock API: real Kafka protocol over loopback
/// TCP, with consumer groups, offset commits and fault injection.
///
/// Any Kafka client, in this process or another, can connect to `bootstrapServers` while the
/// cluster lives. Every use of the (experimental upstream) mock API is kept inside this type.
public final class MockCluster: @unchecked Sendable {
    private let handle: OpaquePointer
    private let cluster: OpaquePointer
    private let context: ClientContext
    /// The ids of the brokers, `1...brokerCount`.
    public let brokerIds: [Int32]
    /// The bootstrap list (`host:port,...`) to give clients as `bootstrap.servers`.
    public let bootstrapServers: String

    /// Starts a cluster of `brokerCount` brokers on loopback. Log lines of the owning handle go to `logSink`.
    public init(brokerCount: Int = 1, logSink: KafkaLogSink? = nil) throws {
        guard brokerCount >= 1 else {
            throw KafkaError(kind: .invalidArgument, message: "a mock cluster needs at least one broker")
        }
        let context = ClientContext(logSink: logSink)
        let conf = try KafkaConfiguration.make(properties: [:], context: context)
        let handle = try KafkaConfiguration.newClient(RD_KAFKA_PRODUCER, conf: conf)
        guard let cluster = rd_kafka_mock_cluster_new(handle, Int32(brokerCount)) else {
            rd_kafka_destroy(handle)
            throw KafkaError(kind: .mock, message: "rd_kafka_mock_cluster_new failed")
        }
        self.handle = handle
        self.cluster = cluster
        self.context = context
        self.brokerIds = (1...brokerCount).map { Int32($0) }
        self.bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
        rd_kafka_destroy(handle)
    }

    /// Creates a topic with `partitions` partitions (replicas at most the broker count).
    public func createTopic(_ name: String, partitions: Int32, replicationFactor: Int32 = 1) throws {
        let err = rd_kafka_mock_topic_create(cluster, name, partitions, replicationFactor)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError.fromCode(.mock, err, context: "creating mock topic '\(name)'")
        }
    }

    /// Disconnects broker `id` and refuses new connections (no leader change).
    public func setBrokerDown(_ id: Int32) { _ = rd_kafka_mock_broker_set_down(cluster, id) }

    /// Makes broker `id` accept connections again.
    public func setBrokerUp(_ id: Int32) { _ = rd_kafka_mock_broker_set_up(cluster, id) }

    /// Takes every broker down.
    public func setAllBrokersDown() { for id in brokerIds { setBrokerDown(id) } }

    /// Brings every broker up.
    public func setAllBrokersUp() { for id in brokerIds { setBrokerUp(id) } }

    /// Delays every response of `broker` (or of all brokers when nil) by `milliseconds`.
    public func setRoundTripTime(broker: Int32? = nil, milliseconds: Int32) {
        _ = rd_kafka_mock_broker_set_rtt(cluster, broker ?? -1, milliseconds)
    }

    /// Makes the next `errors.count` requests of protocol `apiKey` (0 = Produce, 1 = Fetch,
    /// 8 = OffsetCommit, ...) fail with these librdkafka error codes, in order.
    public func pushRequestErrors(apiKey: Int16, errors: [Int32]) {
        let codes = errors.map { rd_kafka_resp_err_t(rawValue: $0) }
        codes.withUnsafeBufferPointer { buffer in
            rd_kafka_mock_push_request_errors_array(cluster, apiKey, buffer.count, buffer.baseAddress)
        }
    }

    /// Drops the errors still queued for protocol `apiKey`.
    public func clearRequestErrors(apiKey: Int16) {
        rd_kafka_mock_clear_request_errors(cluster, apiKey)
    }

    /// Moves the leadership of a partition to `broker` (-1 leaves it without a leader).
    public func setPartitionLeader(topic: String, partition: Int32, broker: Int32) throws {
        let err = rd_kafka_mock_partition_set_leader(cluster, topic, partition, broker)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError.fromCode(.mock, err, context: "setting the leader of \(topic)[\(partition)]")
        }
    }
}
