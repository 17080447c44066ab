/// A failure to read an interaction file, with the file and (when known) the 1-based line.
public struct InteractionFileError: Error, CustomStringConvertible, Sendable, Hashable {
    /// What went wrong. New codes may be added; match on the static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: String { case unreadable, unknown_format, bad_header, bad_line }
        fileprivate let base: Base

        /// The file could not be opened or read.
        public static let unreadable = Code(base: .unreadable)
        /// The format could not be recognised from the name and first line.
        public static let unknownFormat = Code(base: .unknown_format)
        /// The CSV header lacks a required column.
        public static let badHeader = Code(base: .bad_header)
        /// A line does not follow the format.
        public static let badLine = Code(base: .bad_line)

        /// Stable snake_case code.
        public var description: String { base.rawValue }
    }

    /// The kind of failure.
    public let code: Code
    /// The file's path.
    public let path: String
    /// The 1-based line number, when the failure concerns one line.
    public let line: Int?
    /// What is wrong, for people.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, path: String, line: Int? = nil, message: String) {
        self.code = code
        self.path = path
        self.line = line
        self.message = message
    }

    /// `path:line: message`.
    public var description: String {
        if let line { return "\(path):\(line): \(message)" }
        return "\(path): \(message)"
    }
}
