import CRdKafka

/// Builds `rd_kafka_conf_t` objects from string properties and installs the shared callbacks.
enum KafkaConfiguration {
    /// A new configuration with `defaults` applied first, then `properties`, the log and error
    /// callbacks installed, and `context` as opaque. The caller owns the result until `rd_kafka_new` succeeds.
    static func make(properties: [String: String], defaults: [String: String] = [:],
                     context: ClientContext) throws(KafkaError) -> OpaquePointer {
        guard let conf = rd_kafka_conf_new() else {
            throw KafkaError(kind: .configuration, message: "rd_kafka_conf_new failed")
        }
        do {
            for (key, value) in defaults where properties[key] == nil {
                try set(conf, key, value)
            }
            for (key, value) in properties.sorted(by: { $0.key < $1.key }) {
                try set(conf, key, value)
            }
        } catch {
            rd_kafka_conf_destroy(conf)
            throw error
        }
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(context).toOpaque())
        rd_kafka_conf_set_log_cb(conf) { rk, level, facility, buffer in
            guard let rk, let context = ClientContext.from(rd_kafka_opaque(rk)),
                  let sink = context.logSink else { return }
            sink(level, facility.map { String(cString: $0) } ?? "",
                 buffer.map { String(cString: $0) } ?? "")
        }
        rd_kafka_conf_set_error_cb(conf) { _, code, reason, opaque in
            guard let context = ClientContext.from(opaque) else { return }
            let text = reason.map { String(cString: $0) } ?? ""
            context.report(KafkaError(kind: .client, rdKafkaCode: code, message: text))
        }
        return conf
    }

    /// Sets one property, throwing an error that names the key.
    static func set(_ conf: OpaquePointer, _ key: String, _ value: String) throws(KafkaError) {
        var errstr = [CChar](repeating: 0, count: 512)
        let result = rd_kafka_conf_set(conf, key, value, &errstr, errstr.count)
        guard result == RD_KAFKA_CONF_OK else {
            let text = text(errstr)
            throw KafkaError.configuration(key: key, message: text, rdKafkaCode: result.rawValue)
        }
    }

    /// The NUL-terminated text in an error buffer filled by librdkafka.
    static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Creates a client of `type` from `conf`, destroying `conf` on failure.
    static func newClient(_ type: rd_kafka_type_t, conf: OpaquePointer) throws(KafkaError) -> OpaquePointer {
        var errstr = [CChar](repeating: 0, count: 512)
        guard let rk = rd_kafka_new(type, conf, &errstr, errstr.count) else {
            rd_kafka_conf_destroy(conf)
            let text = text(errstr)
            throw KafkaError(kind: .clientCreation, message: text)
        }
        return rk
    }
}
