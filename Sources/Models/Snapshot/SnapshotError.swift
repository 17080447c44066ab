/// Error reading or writing a snapshot file: a stable code and a readable description.
public struct SnapshotError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Broad classes of snapshot failure.
    public enum Code: String, Sendable, Equatable {
        /// The file does not start with the snapshot magic bytes.
        case badMagic
        /// The format version is newer than this reader understands.
        case unsupportedVersion
        /// The file or a section ends before the declared length.
        case truncated
        /// The CRC32 of the payload does not match the header.
        case checksumMismatch
        /// A required section is absent.
        case missingSection
        /// A section's contents are inconsistent (bad lengths, bad UTF-8, bad JSON).
        case malformed
        /// Reading or writing the file failed.
        case io
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

    /// `"snapshot <code>: <message>"`.
    public var description: String { "snapshot \(code.rawValue): \(message)" }
}
