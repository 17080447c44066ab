extension KafkaProducer {
    /// Enqueues a message with byte-array key and value. See `produce(topic:key:value:headers:partition:timestampMs:)`.
    public func produce(topic: String, key: [UInt8], value: [UInt8],
                        headers: [KafkaHeader] = [], partition: Int32? = nil, timestampMs: Int64? = nil,
                        tag: UInt32 = 0) throws {
        try key.withUnsafeBytes { keyBytes in
            try value.withUnsafeBytes { valueBytes in
                try produce(topic: topic, key: keyBytes, value: valueBytes, headers: headers, partition: partition,
                            timestampMs: timestampMs, tag: tag)
            }
        }
    }

    /// Enqueues a message with UTF-8 string key and value. See `produce(topic:key:value:headers:partition:timestampMs:)`.
    public func produce(topic: String, key: String, value: String,
                        headers: [KafkaHeader] = [], partition: Int32? = nil, timestampMs: Int64? = nil) throws {
        var key = key
        var value = value
        try key.withUTF8 { keyBytes in
            try value.withUTF8 { valueBytes in
                try produce(topic: topic, key: UnsafeRawBufferPointer(keyBytes),
                            value: UnsafeRawBufferPointer(valueBytes), headers: headers, partition: partition,
                            timestampMs: timestampMs)
            }
        }
    }
}
