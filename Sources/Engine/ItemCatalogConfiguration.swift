import Events

/// What the engine does with the item topic's records (`items.*` in `config/streamrec.yaml`).
public struct ItemCatalogConfiguration: Sendable {
    /// Floats of an item embedding (0: embeddings are refused, attributes only).
    public var embeddingWidth = 0
    /// Most attributes one record may carry.
    public var maxAttributes = 64
    /// Items with fewer events than this take their factor vector from their side information
    /// (attributes, embedding) every refresh round; from then on the MF learner moves it.
    public var coldStartEvents: Int32 = 1
    /// Items with at least this many events (and side information) teach the projection.
    public var projectionMinEvents: Int32 = 5
    /// Step size of the projection's SGD.
    public var projectionLearningRate: Float = 0.05
    /// Items with side information visited per refresh round (projection steps and cold vectors).
    public var rowsPerRound = 4_096
    /// Projection steps one of an item's attributes must have had before the item's side vector
    /// is trusted (until then a cold item is not recommended).
    public var minAttributeSteps: Int32 = 10

    /// Creates the defaults.
    public init() {}

    /// The decoder limits these settings and the event limits imply.
    public func recordLimits(events: EventLimits) -> ItemRecordLimits {
        ItemRecordLimits(maxMessageBytes: events.maxMessageBytes, maxIdBytes: events.maxIdBytes,
                         maxAttributes: maxAttributes, embeddingWidth: embeddingWidth, maxDepth: events.maxDepth)
    }
}
