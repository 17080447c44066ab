import Events

/// `EngineConfiguration.weight(of:value:)` as a table indexed by the event type's raw value, for
/// the per-event path (the configuration keeps a dictionary, which hashes on every lookup).
struct TypeWeights: Sendable {
    private let base: (Float, Float, Float, Float, Float)
    private let ratingTop: Float

    /// The weights of `configuration` (types it does not list weigh 1, as there).
    init(_ configuration: EngineConfiguration) {
        func weight(_ type: EventType) -> Float { configuration.typeWeights[type] ?? 1 }
        base = (weight(.view), weight(.click), weight(.cart), weight(.purchase), weight(.rating))
        ratingTop = configuration.eventLimits.ratingRange.upperBound
    }

    /// Weight of one event for the implicit learner and popularity: equal to
    /// `EngineConfiguration.weight(of:value:)`.
    @inline(__always)
    func weight(of type: EventType, value: Float?) -> Float {
        switch type {
        case .view: return base.0
        case .click: return base.1
        case .cart: return base.2
        case .purchase: return base.3
        case .rating:
            guard let value else { return base.4 }
            return ratingTop > 0 ? base.4 * value / ratingTop : base.4
        }
    }
}
