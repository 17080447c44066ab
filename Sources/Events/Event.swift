/// One user–item interaction, as carried by schema v1 messages.
public struct Event: Sendable, Hashable {
    /// Opaque user identifier (non-empty).
    public var user: String
    /// Opaque item identifier (non-empty).
    public var item: String
    /// Kind of interaction.
    public var type: EventType
    /// Explicit value: required for `.rating`, optional otherwise.
    public var value: Float?
    /// Event time in epoch milliseconds.
    public var timestampMs: Int64

    /// Creates an event.
    public init(user: String, item: String, type: EventType, value: Float? = nil, timestampMs: Int64) {
        self.user = user
        self.item = item
        self.type = type
        self.value = value
        self.timestampMs = timestampMs
    }
}
