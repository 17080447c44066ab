/// A pipeline that cannot start or go on: a sentence for the operator.
public struct PipelineError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What is wrong and what to do.
    public let description: String

    /// Creates an error with its sentence.
    public init(_ description: String) { self.description = description }
}
