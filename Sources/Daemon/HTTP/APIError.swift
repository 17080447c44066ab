import Engine
import Hummingbird

/// An HTTP API failure: a stable code (the JSON `error` field and the status) and a sentence
/// for people (the JSON `reason` field).
public struct APIError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The kind of failure; new kinds can be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: String, Sendable {
            case badRequest = "bad_request", invalidEvent = "invalid_event", notFound = "not_found"
            case payloadTooLarge = "payload_too_large", unavailable = "unavailable"
            case unauthorized = "unauthorized"
        }
        fileprivate let base: Base

        /// Malformed query or path (400).
        public static let badRequest = Code(base: .badRequest)
        /// An event body the decoder refused (400).
        public static let invalidEvent = Code(base: .invalidEvent)
        /// Unknown user or item (404).
        public static let notFound = Code(base: .notFound)
        /// Body above the configured limit (413).
        public static let payloadTooLarge = Code(base: .payloadTooLarge)
        /// No bearer token, or not the configured one (401).
        public static let unauthorized = Code(base: .unauthorized)
        /// Not ready, or the producer queue is full (503).
        public static let unavailable = Code(base: .unavailable)

        /// The JSON `error` value.
        public var description: String { base.rawValue }

        /// The HTTP status of this kind of failure.
        public var status: HTTPResponse.Status {
            switch base {
            case .badRequest, .invalidEvent: .badRequest
            case .unauthorized: .unauthorized
            case .notFound: .notFound
            case .payloadTooLarge: .contentTooLarge
            case .unavailable: .serviceUnavailable
            }
        }
    }

    /// What kind of failure.
    public let code: Code
    /// A sentence saying what was wrong.
    public let reason: String

    /// Creates an error.
    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    /// `"<code>: <reason>"`.
    public var description: String { "\(code): \(reason)" }

    /// The response body: `{"error":"<code>","reason":"<reason>"}`.
    public var jsonBytes: [UInt8] {
        var out: [UInt8] = []
        out.append(contentsOf: #"{"error":"#.utf8)
        JSONText.appendString(code.description, to: &out)
        out.append(contentsOf: #","reason":"#.utf8)
        JSONText.appendString(reason, to: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }
}
