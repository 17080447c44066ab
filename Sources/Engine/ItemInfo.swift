/// What the engine knows of one item, for `GET /v1/items/{id}`.
public struct ItemInfo: Sendable, Equatable {
    /// Where the item's factor vector comes from.
    public enum VectorSource: String, Sendable {
        /// Learned from the item's interactions.
        case learned
        /// Projected from its attributes and embedding (it has too few events of its own).
        case sideInformation = "side_information"
        /// None yet: no events, and side information the projection cannot place yet.
        case none
    }

    /// The item id.
    public var item: String
    /// Whether it may be recommended.
    public var available: Bool
    /// Its attributes, as last recorded on the item topic.
    public var attributes: [String]
    /// Floats of its embedding (0: none).
    public var embeddingWidth: Int
    /// Events learned for it.
    public var interactions: Int
    /// See `VectorSource`.
    public var vector: VectorSource
    /// Whether the item topic has a record of it.
    public var fromItemTopic: Bool
    /// `ts` of its last item record, when given.
    public var recordTimestampMs: Int64?

    /// Creates a description.
    public init(item: String, available: Bool, attributes: [String], embeddingWidth: Int, interactions: Int,
                vector: VectorSource, fromItemTopic: Bool, recordTimestampMs: Int64?) {
        self.item = item
        self.available = available
        self.attributes = attributes
        self.embeddingWidth = embeddingWidth
        self.interactions = interactions
        self.vector = vector
        self.fromItemTopic = fromItemTopic
        self.recordTimestampMs = recordTimestampMs
    }
}
