import CRdKafka

/// Cluster administration through a short-lived client: topic creation and listing.
///
/// Every call is blocking: it creates a client, waits for the answer and destroys the client
/// (about a second on the mock cluster).
public enum KafkaAdmin {
    /// Creates topics with `CreateTopics`; a topic that already exists is not an error.
    ///
    /// - Parameters:
    ///   - properties: extra librdkafka properties (security settings, ...).
    ///   - configs: topic-level configuration by topic name (such as `cleanup.policy: compact`),
    ///     sent with the request; every name must be one of `topics`.
    ///   - replicationFactor: replicas per partition, -1 for the broker default.
    ///   - timeoutMs: how long to wait for the controller's answer.
    public static func createTopics(bootstrapServers: String, properties: [String: String] = [:],
                                    topics: [(name: String, partitions: Int32)],
                                    configs: [String: [String: String]] = [:],
                                    replicationFactor: Int32 = -1, timeoutMs: Int32 = 10_000,
                                    logSink: KafkaLogSink? = nil) throws {
        guard !topics.isEmpty else { return }
        let names = Set(topics.map(\.name))
        if let stray = configs.keys.sorted().first(where: { !names.contains($0) }) {
            throw KafkaError(kind: .invalidArgument, message: "configs given for topic '\(stray)', which is not created")
        }
        try withClient(bootstrapServers: bootstrapServers, properties: properties, logSink: logSink) { rk in
            var errstr = [CChar](repeating: 0, count: 512)
            var newTopics: [OpaquePointer?] = []
            defer { for topic in newTopics { rd_kafka_NewTopic_destroy(topic) } }
            for topic in topics {
                guard !topic.name.isEmpty, topic.partitions == -1 || topic.partitions >= 1 else {
                    throw KafkaError(kind: .invalidArgument,
                                     message: "topic '\(topic.name)': \(topic.partitions) partitions (use -1 or at least 1)")
                }
                guard let newTopic = rd_kafka_NewTopic_new(topic.name, topic.partitions, replicationFactor,
                                                           &errstr, errstr.count) else {
                    throw KafkaError(kind: .admin, message: "topic '\(topic.name)': \(KafkaConfiguration.text(errstr))")
                }
                newTopics.append(newTopic)
                for (key, value) in (configs[topic.name] ?? [:]).sorted(by: { $0.key < $1.key }) {
                    let err = rd_kafka_NewTopic_set_config(newTopic, key, value)
                    guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                        throw KafkaError.fromCode(.invalidArgument, err,
                                                  context: "topic '\(topic.name)': config '\(key)'")
                    }
                }
            }
            let options = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS)
            defer { rd_kafka_AdminOptions_destroy(options) }
            _ = rd_kafka_AdminOptions_set_operation_timeout(options, timeoutMs, &errstr, errstr.count)
            _ = rd_kafka_AdminOptions_set_request_timeout(options, timeoutMs, &errstr, errstr.count)
            let queue = rd_kafka_queue_new(rk)
            defer { rd_kafka_queue_destroy(queue) }
            newTopics.withUnsafeMutableBufferPointer { buffer in
                rd_kafka_CreateTopics(rk, buffer.baseAddress, buffer.count, options, queue)
            }
            guard let event = rd_kafka_queue_poll(queue, timeoutMs + 1_000) else {
                throw KafkaError(kind: .timedOut, message: "CreateTopics got no answer in \(timeoutMs) ms")
            }
            defer { rd_kafka_event_destroy(event) }
            let eventErr = rd_kafka_event_error(event)
            guard eventErr == RD_KAFKA_RESP_ERR_NO_ERROR else {
                let text = rd_kafka_event_error_string(event).map { String(cString: $0) } ?? ""
                throw KafkaError(kind: .admin, rdKafkaCode: eventErr.rawValue, message: "CreateTopics: \(text)")
            }
            guard let result = rd_kafka_event_CreateTopics_result(event) else {
                throw KafkaError(kind: .admin, message: "CreateTopics: unexpected event")
            }
            var count = 0
            guard let results = rd_kafka_CreateTopics_result_topics(result, &count) else { return }
            for index in 0..<count {
                let topicResult = results[index]
                let err = rd_kafka_topic_result_error(topicResult)
                if err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS { continue }
                let name = String(cString: rd_kafka_topic_result_name(topicResult))
                let text = rd_kafka_topic_result_error_string(topicResult).map { String(cString: $0) }
                    ?? String(cString: rd_kafka_err2str(err))
                throw KafkaError(kind: .admin, rdKafkaCode: err.rawValue, message: "creating topic '\(name)': \(text)")
            }
        }
    }

    /// The topics of the cluster (internal ones included) with their partition counts, from metadata.
    public static func listTopics(bootstrapServers: String, properties: [String: String] = [:],
                                  timeoutMs: Int32 = 10_000, logSink: KafkaLogSink? = nil) throws -> [String: Int32] {
        try withClient(bootstrapServers: bootstrapServers, properties: properties, logSink: logSink) { rk in
            var metadata: UnsafePointer<rd_kafka_metadata_t>? = nil
            let err = rd_kafka_metadata(rk, 1, nil, &metadata, timeoutMs)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
                throw KafkaError.fromCode(.query, err, context: "reading metadata")
            }
            defer { rd_kafka_metadata_destroy(metadata) }
            var result: [String: Int32] = [:]
            for index in 0..<Int(metadata.pointee.topic_cnt) {
                let topic = metadata.pointee.topics[index]
                guard topic.err == RD_KAFKA_RESP_ERR_NO_ERROR else { continue }
                result[String(cString: topic.topic)] = topic.partition_cnt
            }
            return result
        }
    }

    private static func withClient<T>(bootstrapServers: String, properties: [String: String],
                                      logSink: KafkaLogSink?,
                                      _ body: (OpaquePointer) throws -> T) throws -> T {
        let context = ClientContext(logSink: logSink)
        var props = properties
        props["bootstrap.servers"] = bootstrapServers
        let conf = try KafkaConfiguration.make(properties: props, context: context)
        let rk = try KafkaConfiguration.newClient(RD_KAFKA_PRODUCER, conf: conf)
        defer {
            rd_kafka_destroy(rk)
            withExtendedLifetime(context) {}
        }
        return try body(rk)
    }
}
