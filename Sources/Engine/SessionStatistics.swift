/// What the session side of the engine holds, for metrics and memory accounting.
public struct SessionStatistics: Sendable, Equatable {
    /// Users with a session window.
    public var users: Int
    /// Estimated bytes of their windows and vectors.
    public var bytes: Int
    /// States dropped to respect `session.max_users`.
    public var droppedStates: Int64
}

extension RecommenderCore {
    /// Session state figures; nil when no session model is loaded.
    public var sessionStatistics: SessionStatistics? {
        guard let session else { return nil }
        return SessionStatistics(users: session.heldCount, bytes: session.estimatedBytes, droppedStates: session.droppedStates)
    }

    /// Whether a session model takes part in ranking.
    public var usesSessionModel: Bool { session != nil }
}
