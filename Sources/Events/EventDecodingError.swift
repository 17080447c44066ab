/// Why a message was rejected. `reason` is a stable snake_case code meant for the
/// dead-letter topic's header; `description` is a sentence for people.
public struct EventDecodingError: Error, CustomStringConvertible, Sendable, Hashable {
    /// The stable reason code. New codes may be added; match on the static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: String, CaseIterable {
            case oversized, not_json, invalid_utf8, not_object, too_deep, missing_field, wrong_type,
                empty_id, id_too_long, unknown_type, missing_value, rating_out_of_range, non_finite,
                bad_timestamp, duplicate_field, embedding_width, too_many_attributes, key_mismatch
        }
        fileprivate let base: Base

        /// The message is larger than `EventLimits.maxMessageBytes`.
        public static let oversized = Code(base: .oversized)
        /// The message is not well-formed JSON (RFC 8259).
        public static let notJSON = Code(base: .not_json)
        /// A string holds bytes that are not UTF-8, or a `\u` escape is a lone surrogate.
        public static let invalidUTF8 = Code(base: .invalid_utf8)
        /// The message is JSON but its top level is not an object.
        public static let notObject = Code(base: .not_object)
        /// Objects and arrays are nested deeper than `EventLimits.maxDepth`.
        public static let tooDeep = Code(base: .too_deep)
        /// A required field (`user`, `item`) is absent or null.
        public static let missingField = Code(base: .missing_field)
        /// A known field holds the wrong JSON type (for example a number given as a string).
        public static let wrongType = Code(base: .wrong_type)
        /// `user` or `item` is the empty string.
        public static let emptyID = Code(base: .empty_id)
        /// `user` or `item` is longer than `EventLimits.maxIdBytes`.
        public static let idTooLong = Code(base: .id_too_long)
        /// `type` is not one of view, click, cart, purchase, rating.
        public static let unknownType = Code(base: .unknown_type)
        /// A `rating` event has no `value`.
        public static let missingValue = Code(base: .missing_value)
        /// A `rating` value lies outside `EventLimits.ratingRange`.
        public static let ratingOutOfRange = Code(base: .rating_out_of_range)
        /// NaN, Infinity, or a number too large for a Float.
        public static let nonFinite = Code(base: .non_finite)
        /// `ts` is not a non-negative integer of epoch milliseconds before year 10000.
        public static let badTimestamp = Code(base: .bad_timestamp)
        /// A known field appears twice.
        public static let duplicateField = Code(base: .duplicate_field)
        /// An item record's `embedding` does not have the configured width (`items.embedding_width`).
        public static let embeddingWidth = Code(base: .embedding_width)
        /// An item record has more attributes than `ItemRecordLimits.maxAttributes`.
        public static let tooManyAttributes = Code(base: .too_many_attributes)
        /// An item record's Kafka key is not its `item` field.
        public static let keyMismatch = Code(base: .key_mismatch)

        /// Every code, in a fixed order.
        public static var allCodes: [Code] { Base.allCases.map { Code(base: $0) } }

        /// The stable snake_case reason string.
        public var reason: String { base.rawValue }
        /// Same as `reason`.
        public var description: String { base.rawValue }
    }

    /// The reason code.
    public let code: Code
    /// The top-level field the error is about, when there is one.
    public let field: String?
    /// Byte offset in the message where the problem was found, when known.
    public let offset: Int?

    /// Creates an error.
    public init(_ code: Code, field: String? = nil, offset: Int? = nil) {
        self.code = code
        self.field = field
        self.offset = offset
    }

    /// The stable snake_case reason code, for the dead-letter header.
    public var reason: String { code.reason }

    /// A human sentence describing the problem.
    public var description: String {
        let f = field.map { "'\($0)'" } ?? "?"
        let at = offset.map { " (at byte \($0))" } ?? ""
        switch code.base {
        case .oversized: return "message is larger than the configured limit"
        case .not_json: return "message is not well-formed JSON\(at)"
        case .invalid_utf8: return "message contains invalid UTF-8 or a lone surrogate escape\(at)"
        case .not_object: return "message is JSON but not an object"
        case .too_deep: return "message nests objects or arrays too deeply\(at)"
        case .missing_field: return "field \(f) is missing"
        case .wrong_type: return "field \(f) has the wrong JSON type"
        case .empty_id: return "field \(f) is empty"
        case .id_too_long: return "field \(f) is longer than the configured limit"
        case .unknown_type: return "field \(f) is not one of view, click, cart, purchase, rating"
        case .missing_value: return "a rating event has no 'value'"
        case .rating_out_of_range: return "field \(f) is outside the configured rating range"
        case .non_finite: return field == nil ? "message contains NaN or Infinity\(at)" : "field \(f) is not a finite number"
        case .bad_timestamp: return "field \(f) is not a non-negative integer of epoch milliseconds"
        case .duplicate_field: return "field \(f) appears more than once"
        case .embedding_width: return "field \(f) does not have the configured number of floats (items.embedding_width)"
        case .too_many_attributes: return "field \(f) has more strings than the configured limit (items.max_attributes)"
        case .key_mismatch: return "the record's key is not its 'item' field (the item topic is keyed by item id)"
        }
    }
}
