/// A configuration problem, naming the key or file at fault.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    /// What is wrong, in one sentence.
    public let description: String

    /// Creates an error with its message.
    public init(_ description: String) { self.description = description }
}
