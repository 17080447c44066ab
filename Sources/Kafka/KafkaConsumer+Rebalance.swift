import CRdKafka

extension KafkaConsumer {
    /// The rebalance callback: asks `onAssign` for start offsets then assigns, or calls
    /// `onRevoke` then unassigns; eager and cooperative protocols both handled.
    static func rebalance(_ rk: OpaquePointer, _ err: rd_kafka_resp_err_t,
                          _ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
                          _ context: ClientContext) {
        let cooperative = rd_kafka_rebalance_protocol(rk).map { String(cString: $0) } == "COOPERATIVE"
        let handlers = context.rebalance.withLock { $0 }
        let tps = TopicPartitionList.partitions(partitions)
        switch err {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            if let handlers, let partitions, let elems = partitions.pointee.elems {
                let overrides = handlers.onAssign(tps)
                if !overrides.isEmpty {
                    for index in 0..<Int(partitions.pointee.cnt) {
                        let tp = TopicPartition(topic: String(cString: elems[index].topic),
                                                partition: elems[index].partition)
                        if let offset = overrides[tp] { elems[index].offset = offset }
                    }
                }
            }
            if cooperative {
                if let error = rd_kafka_incremental_assign(rk, partitions) {
                    context.report(KafkaError.consuming(.rebalance, error, context: "incremental assign"))
                }
            } else {
                let code = rd_kafka_assign(rk, partitions)
                if code != RD_KAFKA_RESP_ERR_NO_ERROR {
                    context.report(KafkaError.fromCode(.rebalance, code, context: "assign"))
                }
            }
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            handlers?.onRevoke(tps)
            if cooperative {
                if let error = rd_kafka_incremental_unassign(rk, partitions) {
                    context.report(KafkaError.consuming(.rebalance, error, context: "incremental unassign"))
                }
            } else {
                _ = rd_kafka_assign(rk, nil)
            }
        default:
            context.report(KafkaError.fromCode(.rebalance, err, context: "rebalance"))
            _ = rd_kafka_assign(rk, nil)
        }
    }
}
