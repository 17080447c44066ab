/// One record of the item topic (schema v1, key = item id): what is known of an item besides its
/// interactions. The latest record of an item replaces everything earlier records said of it.
public struct ItemRecord: Sendable, Hashable {
    /// Opaque item identifier (non-empty), the same ids events carry.
    public var item: String
    /// Whether the item may be recommended (default true).
    public var available: Bool
    /// Categories, brand, tags: any strings (duplicates removed, order kept).
    public var attributes: [String]
    /// A side-feature vector computed elsewhere (for example by an image CNN): empty, or exactly
    /// `items.embedding_width` floats.
    public var embedding: [Float]
    /// Record time in epoch milliseconds, when given.
    public var timestampMs: Int64?

    /// Creates a record.
    public init(item: String, available: Bool = true, attributes: [String] = [], embedding: [Float] = [],
                timestampMs: Int64? = nil) {
        self.item = item
        self.available = available
        self.attributes = attributes
        self.embedding = embedding
        self.timestampMs = timestampMs
    }
}
