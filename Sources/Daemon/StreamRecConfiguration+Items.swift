import Engine

extension StreamRecConfiguration {
    /// The item topic's keys: `kafka.items_topic`, `kafka.items_catch_up_timeout_ms` and `items.*`.
    static let itemSetters: [String: Setter] = [
        "kafka.items_topic": { $0.pipeline.itemsTopic = $1.isEmpty ? nil : $1 },
        "kafka.items_catch_up_timeout_ms": { $0.pipeline.itemsCatchUpTimeoutMs = Int32(try positiveInt($1)) },
        "items.embedding_width": { c, v in
            let n = try int(v)
            guard (0...4096).contains(n) else { throw ConfigurationError("must be from 0 to 4096, got \(n)") }
            c.engine.items.embeddingWidth = n
        },
        "items.max_attributes": { $0.engine.items.maxAttributes = try positiveInt($1) },
        "items.cold_start_events": { c, v in
            let n = try int(v)
            guard n >= 0 else { throw ConfigurationError("must not be negative, got \(n)") }
            c.engine.items.coldStartEvents = Int32(clamping: n)
        },
        "items.projection_min_events": { $0.engine.items.projectionMinEvents = Int32(clamping: try positiveInt($1)) },
        "items.projection_learning_rate": { c, v in
            let rate = try float(v)
            guard rate > 0 && rate < 1 else { throw ConfigurationError("must lie between 0 and 1, got \(v)") }
            c.engine.items.projectionLearningRate = rate
        },
        "items.rows_per_round": { $0.engine.items.rowsPerRound = try positiveInt($1) },
    ]
}
