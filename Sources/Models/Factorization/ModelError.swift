/// Error thrown by the learners and snapshot code: a stable code plus a readable description.
public struct ModelError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What went wrong, in broad classes callers can switch on.
    public enum Code: String, Sendable, Equatable {
        case invalidConfiguration
        case invalidInput
        case shapeMismatch
        case notConverged
    }

    /// The class of failure.
    public let code: Code
    /// Human-readable detail.
    public let message: String

    /// Creates an error of `code` with a detail message.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `"<code>: <message>"`.
    public var description: String { "\(code.rawValue): \(message)" }
}
