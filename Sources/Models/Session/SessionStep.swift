/// One interaction in a user's history: the item, the event type and, when known, its time.
public struct SessionStep: Sendable, Hashable, Codable {
    /// Item id, `0..<itemCount`.
    public var item: Int32
    /// Event type, `0..<typeCount` (larger values are read as `typeCount - 1`).
    public var type: UInt8
    /// Event time in milliseconds since the epoch, when the source has one.
    public var timestampMs: Int64?

    /// Creates a step.
    public init(item: Int32, type: UInt8 = 0, timestampMs: Int64? = nil) {
        self.item = item
        self.type = type
        self.timestampMs = timestampMs
    }
}
