import Linalg

extension OnlineMF {
    /// Every bit of state, RNG included, for checkpoints: restoring it and replaying the same
    /// calls gives bit-identical results.
    public func snapshot() -> OnlineMFSnapshot {
        OnlineMFSnapshot(
            configuration: configuration, users: users, items: items,
            userFactors: userFactors.toArray(), itemFactors: itemFactors.toArray(),
            userBias: userBias, itemBias: itemBias, userCount: userCount, itemCount: itemCount,
            globalMean: globalMean, eventCount: eventCount, rngState: rng.rawState)
    }

    /// Recreates a learner from a snapshot; throws ``ModelError`` when the arrays disagree in size.
    public convenience init(snapshot: OnlineMFSnapshot) throws {
        try snapshot.validate()
        self.init(configuration: snapshot.configuration)
        reserve(users: snapshot.users, items: snapshot.items)
        restore(snapshot)
    }
}
