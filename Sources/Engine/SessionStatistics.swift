/// What the session side of the engine holds, for metrics and memory accounting.
public struct SessionStatistics: Sendable, Equatable {
    /// Users with a session window held in memory.
    public var users: Int
    /// Estimated bytes of their windows and vectors (the spill store apart).
    public var bytes: Int
    /// Estimated bytes of one held state.
    public var bytesPerUser: Int
    /// States spilled to respect `session.max_users`.
    public var droppedStates: Int64 { spills.capacity }
    /// Users whose window is in the spill store.
    public var spilledUsers: Int
    /// Estimated bytes of the spill store.
    public var spillBytes: Int
    /// Spilled windows forgotten to respect `session.max_spilled_users`.
    public var spillForgotten: Int64
    /// States spilled by cause, and windows restored.
    public var spills: SessionSpillCounters
}

extension RecommenderCore {
    /// Session state figures; nil when no session model is loaded.
    public var sessionStatistics: SessionStatistics? {
        guard let session else { return nil }
        return SessionStatistics(users: session.heldCount, bytes: session.estimatedBytes,
                                 bytesPerUser: session.bytesPerState, spilledUsers: session.spilled.count,
                                 spillBytes: session.spilled.estimatedBytes, spillForgotten: session.spilled.forgotten,
                                 spills: session.counters)
    }

    /// Whether a session model takes part in ranking.
    public var usesSessionModel: Bool { session != nil }
}
