/// An error from the session model: a stable code plus a human-readable description.
public struct SessionModelError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, broadly; new codes may be added.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        fileprivate enum Value: Sendable, Hashable {
            case invalidConfiguration, invalidInput, badMagic, unsupportedVersion, truncated, corrupt, io, cancelled
        }
        fileprivate let value: Value
        /// The configuration has a field out of range.
        public static let invalidConfiguration = Code(value: .invalidConfiguration)
        /// Training or inference input is out of range (item id, empty data).
        public static let invalidInput = Code(value: .invalidInput)
        /// A training round was stopped before it finished.
        public static let cancelled = Code(value: .cancelled)
        /// Serialized bytes do not start with the session model magic.
        public static let badMagic = Code(value: .badMagic)
        /// Serialized bytes carry a format version this build cannot read.
        public static let unsupportedVersion = Code(value: .unsupportedVersion)
        /// Serialized bytes end early.
        public static let truncated = Code(value: .truncated)
        /// Serialized bytes are inconsistent (checksum, sizes, configuration).
        public static let corrupt = Code(value: .corrupt)
        /// A file could not be read.
        public static let io = Code(value: .io)
        public var description: String { "\(value)" }
    }

    /// The error's code.
    public let code: Code
    /// Human-readable explanation.
    public let message: String

    /// Creates an error with a code and an explanation.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "SessionModelError(\(code)): \(message)" }
}
