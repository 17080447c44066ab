import CRdKafka

extension KafkaConsumer {
    /// Commits `offsets` (each the next offset to consume) for the group. Blocking until the
    /// broker answers. An empty array does nothing.
    public func commit(_ offsets: [TopicPartitionOffset]) throws {
        try commit(offsets, metadata: [:])
    }

    /// Commits `offsets` like `commit(_:)`, each with the metadata string given for its
    /// partition in `metadata` (Kafka stores it with the offset; see `committedWithMetadata`).
    /// Partitions absent from `metadata` get none. Blocking until the broker answers.
    public func commit(_ offsets: [TopicPartitionOffset], metadata: [TopicPartition: String]) throws {
        guard !offsets.isEmpty else { return }
        guard !isClosed else { throw KafkaError.closed("consumer") }
        let list = TopicPartitionList.make(offsets)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        if !metadata.isEmpty {
            TopicPartitionList.setMetadata(list, metadata)
        }
        let err = rd_kafka_commit(handle, list, 0)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError.fromCode(.commit, err, context: "committing \(offsets)")
        }
        try Self.checkElements(list, kind: .commit, verb: "committing")
    }

    /// The group's committed offsets for `partitions`; partitions without one are absent.
    /// Blocking up to `timeoutMs`.
    public func committed(_ partitions: [TopicPartition], timeoutMs: Int32 = 5_000) throws -> [TopicPartition: Int64] {
        var result: [TopicPartition: Int64] = [:]
        try readCommitted(partitions, timeoutMs: timeoutMs) { tp, element in
            result[tp] = element.offset
        }
        return result
    }

    /// The group's committed offsets for `partitions` with the metadata committed with each
    /// (empty when none was); partitions without a committed offset are absent. Blocking up to
    /// `timeoutMs`.
    public func committedWithMetadata(_ partitions: [TopicPartition],
                                      timeoutMs: Int32 = 5_000) throws -> [TopicPartition: CommittedOffset] {
        var result: [TopicPartition: CommittedOffset] = [:]
        try readCommitted(partitions, timeoutMs: timeoutMs) { tp, element in
            result[tp] = CommittedOffset(offset: element.offset, metadata: TopicPartitionList.metadata(element))
        }
        return result
    }

    /// Asks the group coordinator for the committed offsets of `partitions` and calls `body`
    /// for each partition that has one.
    private func readCommitted(_ partitions: [TopicPartition], timeoutMs: Int32,
                               _ body: (TopicPartition, rd_kafka_topic_partition_t) -> Void) throws {
        guard !partitions.isEmpty else { return }
        let list = TopicPartitionList.make(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_committed(handle, list, timeoutMs)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError.fromCode(.query, err, context: "reading committed offsets")
        }
        try Self.checkElements(list, kind: .query, verb: "reading the committed offset of")
        TopicPartitionList.forEachElement(list) { element in
            if element.offset >= 0 {
                body(TopicPartition(topic: String(cString: element.topic), partition: element.partition), element)
            }
        }
    }

    /// The low (oldest) and high (next to be written) offsets of `tp`, asked of the partition
    /// leader. Blocking up to `timeoutMs`.
    public func watermarks(_ tp: TopicPartition, timeoutMs: Int32 = 5_000) throws -> (low: Int64, high: Int64) {
        var low: Int64 = 0
        var high: Int64 = 0
        let err = rd_kafka_query_watermark_offsets(handle, tp.topic, tp.partition, &low, &high, timeoutMs)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError.fromCode(.query, err, context: "querying watermarks of \(tp)")
        }
        return (low, high)
    }

    /// The watermarks last seen in fetch responses for `tp`, without network; nil when unknown.
    public func cachedWatermarks(_ tp: TopicPartition) -> (low: Int64, high: Int64)? {
        var low: Int64 = KafkaOffset.invalid
        var high: Int64 = KafkaOffset.invalid
        let err = rd_kafka_get_watermark_offsets(handle, tp.topic, tp.partition, &low, &high)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, high >= 0 else { return nil }
        return (max(low, 0), high)
    }

    /// The next offset this consumer will read from `tp` (last consumed + 1), nil when unknown.
    public func position(_ tp: TopicPartition) -> Int64? {
        let list = TopicPartitionList.make([tp])
        defer { rd_kafka_topic_partition_list_destroy(list) }
        guard rd_kafka_position(handle, list) == RD_KAFKA_RESP_ERR_NO_ERROR,
              let element = list.pointee.elems?.pointee,
              element.err == RD_KAFKA_RESP_ERR_NO_ERROR, element.offset >= 0 else { return nil }
        return element.offset
    }

    /// Moves the fetch position of assigned partitions to the given offsets, dropping messages
    /// already fetched for them. Blocking up to `timeoutMs` while the fetcher switches over.
    public func seek(_ offsets: [TopicPartitionOffset], timeoutMs: Int32 = 5_000) throws {
        guard !offsets.isEmpty else { return }
        guard !isClosed else { throw KafkaError.closed("consumer") }
        let list = TopicPartitionList.make(offsets)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        if let error = rd_kafka_seek_partitions(handle, list, timeoutMs) {
            throw KafkaError.consuming(.assignment, error, context: "seeking \(offsets)")
        }
        try Self.checkElements(list, kind: .assignment, verb: "seeking")
    }

    /// Messages after this consumer's position in `tp`, from the cached high watermark; no
    /// network. Nil until both are known (after the first fetch response).
    public func lag(_ tp: TopicPartition) -> Int64? {
        guard let marks = cachedWatermarks(tp), let position = position(tp) else { return nil }
        return max(0, marks.high - position)
    }

    static func checkElements(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>,
                              kind: KafkaError.Kind, verb: String) throws(KafkaError) {
        try TopicPartitionList.forEach(list) { element throws(KafkaError) in
            guard element.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaError.fromCode(kind, element.err,
                                          context: "\(verb) \(String(cString: element.topic))[\(element.partition)]")
            }
        }
    }
}
