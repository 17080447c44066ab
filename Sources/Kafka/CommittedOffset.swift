/// A group's committed offset for one partition together with the metadata string committed
/// with it (empty when none was given).
public struct CommittedOffset: Hashable, Sendable {
    /// The next offset to consume.
    public var offset: Int64
    /// The metadata committed with the offset; empty when none was given.
    public var metadata: String

    /// Creates a committed offset with its metadata.
    public init(offset: Int64, metadata: String = "") {
        self.offset = offset
        self.metadata = metadata
    }
}
