/// Error from loading data, parsing a request or running a protocol.
public struct EvaluationError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Broad classes of failure.
    public enum Code: String, Sendable, Equatable {
        case fileNotFound
        case parse
        case unknownModel
        case unknownProtocol
        case unknownFormat
        case invalidOption
        case unsupported
        case emptyData
    }

    /// The class of failure.
    public let code: Code
    /// Human-readable detail.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `"<code>: <message>"`.
    public var description: String { "\(code.rawValue): \(message)" }
}
