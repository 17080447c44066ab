/// Bounds applied by `ItemRecordDecoder` to every item record.
public struct ItemRecordLimits: Sendable {
    /// Largest accepted record, in bytes (`oversized` above).
    public var maxMessageBytes: Int
    /// Longest accepted item id or attribute, in UTF-8 bytes (`id_too_long` above).
    public var maxIdBytes: Int
    /// Most attributes per record (`too_many_attributes` above).
    public var maxAttributes: Int
    /// Floats an `embedding` must have (`embedding_width` otherwise); 0 refuses every embedding.
    public var embeddingWidth: Int
    /// Deepest accepted nesting of objects and arrays (the top-level object is depth 1).
    public var maxDepth: Int

    /// Creates limits; every argument has the documented default.
    public init(maxMessageBytes: Int = 65_536, maxIdBytes: Int = 256, maxAttributes: Int = 64,
                embeddingWidth: Int = 0, maxDepth: Int = 16) {
        self.maxMessageBytes = maxMessageBytes
        self.maxIdBytes = maxIdBytes
        self.maxAttributes = maxAttributes
        self.embeddingWidth = embeddingWidth
        self.maxDepth = maxDepth
    }
}
