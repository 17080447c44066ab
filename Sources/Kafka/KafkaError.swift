import CRdKafka

/// An error raised by the Kafka wrapper: a kind, the librdkafka error code and a message.
///
/// New kinds can be added without breaking callers: compare `kind` against the static
/// members of `KafkaError.Kind` rather than switching over it.
public struct KafkaError: Error, CustomStringConvertible, Sendable {
    /// The category of a `KafkaError`.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Code: String, Hashable, Sendable {
            case configuration, clientCreation, client, produce, delivery, consume, subscription, assignment
            case rebalance, commit, query, admin, mock, closed, timedOut, invalidArgument
        }
        fileprivate let code: Code
        fileprivate init(_ code: Code) { self.code = code }

        /// A configuration property was unknown or had an invalid value.
        public static let configuration = Kind(.configuration)
        /// `rd_kafka_new` failed.
        public static let clientCreation = Kind(.clientCreation)
        /// A client-level error reported by librdkafka, such as all brokers being down.
        public static let client = Kind(.client)
        /// A message could not be enqueued for sending.
        public static let produce = Kind(.produce)
        /// A message was enqueued but its delivery failed.
        public static let delivery = Kind(.delivery)
        /// A consumer-level error reported while polling.
        public static let consume = Kind(.consume)
        /// `subscribe` failed.
        public static let subscription = Kind(.subscription)
        /// `assign`, `pause` or `resume` failed.
        public static let assignment = Kind(.assignment)
        /// A group rebalance failed.
        public static let rebalance = Kind(.rebalance)
        /// An offset commit failed.
        public static let commit = Kind(.commit)
        /// A metadata, watermark or committed-offset query failed.
        public static let query = Kind(.query)
        /// An admin operation failed.
        public static let admin = Kind(.admin)
        /// A mock-cluster operation failed.
        public static let mock = Kind(.mock)
        /// The client was already closed.
        public static let closed = Kind(.closed)
        /// An operation did not finish in time.
        public static let timedOut = Kind(.timedOut)
        /// An argument was out of range.
        public static let invalidArgument = Kind(.invalidArgument)

        /// The kind's name, such as `commit`.
        public var description: String { code.rawValue }
    }

    /// The category of the error.
    public let kind: Kind
    /// The librdkafka error code (`rd_kafka_resp_err_t`), 0 when none applies.
    public let rdKafkaCode: Int32
    /// A human-readable message.
    public let message: String

    /// Creates an error of `kind` with a librdkafka code and a message.
    public init(kind: Kind, rdKafkaCode: Int32 = 0, message: String) {
        self.kind = kind
        self.rdKafkaCode = rdKafkaCode
        self.message = message
    }

    /// The librdkafka symbolic name of `rdKafkaCode`, such as `_TRANSPORT` or `NOT_LEADER_FOR_PARTITION`.
    public var rdKafkaName: String {
        String(cString: rd_kafka_err2name(rd_kafka_resp_err_t(rawValue: rdKafkaCode)))
    }

    /// The kind, the message and, when set, librdkafka's code name and number.
    public var description: String {
        if rdKafkaCode == 0 { return "Kafka \(kind) error: \(message)" }
        return "Kafka \(kind) error: \(message) (\(rdKafkaName), code \(rdKafkaCode))"
    }

    /// True when the librdkafka code says the operation timed out.
    public var isTimeout: Bool {
        kind == .timedOut || rdKafkaCode == RD_KAFKA_RESP_ERR__TIMED_OUT.rawValue
            || rdKafkaCode == RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT.rawValue
    }
}

extension KafkaError {
    /// An unknown or invalid configuration property; the description names the key.
    public static func configuration(key: String, message: String, rdKafkaCode: Int32 = 0) -> KafkaError {
        KafkaError(kind: .configuration, rdKafkaCode: rdKafkaCode,
                   message: "property '\(key)': \(message)")
    }

    /// An error of `kind` built from a librdkafka response code, with `context` in front of its text.
    static func fromCode(_ kind: Kind, _ code: rd_kafka_resp_err_t, context: String) -> KafkaError {
        let text = String(cString: rd_kafka_err2str(code))
        return KafkaError(kind: kind, rdKafkaCode: code.rawValue, message: "\(context): \(text)")
    }

    /// An error of `kind` built from an `rd_kafka_error_t`, which it destroys.
    static func consuming(_ kind: Kind, _ error: OpaquePointer, context: String) -> KafkaError {
        defer { rd_kafka_error_destroy(error) }
        let code = rd_kafka_error_code(error)
        let text = rd_kafka_error_string(error).map { String(cString: $0) } ?? ""
        return KafkaError(kind: kind, rdKafkaCode: code.rawValue, message: "\(context): \(text)")
    }

    /// The client was closed before the call.
    public static func closed(_ what: String) -> KafkaError {
        KafkaError(kind: .closed, message: "\(what) is closed")
    }
}
