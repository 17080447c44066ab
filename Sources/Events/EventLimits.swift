/// Bounds applied by `EventDecoder` to every incoming message.
public struct EventLimits: Sendable {
    /// Largest accepted message, in bytes (`oversized` above).
    public var maxMessageBytes: Int
    /// Longest accepted user or item id, in UTF-8 bytes after unescaping (`id_too_long` above).
    public var maxIdBytes: Int
    /// Accepted range for the value of `rating` events (`rating_out_of_range` outside).
    public var ratingRange: ClosedRange<Float>
    /// Deepest accepted nesting of objects and arrays; the top-level object is depth 1.
    /// Clamped to 1...64 by the decoder.
    public var maxDepth: Int

    /// Creates limits; every argument has the documented default.
    public init(
        maxMessageBytes: Int = 65_536,
        maxIdBytes: Int = 256,
        ratingRange: ClosedRange<Float> = 0...5,
        maxDepth: Int = 16
    ) {
        self.maxMessageBytes = maxMessageBytes
        self.maxIdBytes = maxIdBytes
        self.ratingRange = ratingRange
        self.maxDepth = maxDepth
    }
}
