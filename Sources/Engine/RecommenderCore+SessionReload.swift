import Models

extension RecommenderCore {
    /// Applies the session settings that can change while the daemon runs, and says what changed
    /// (one sentence per setting); settings that need a restart are named as such and left as
    /// they are. Live: the `session.train_*`, `session.replay_max_bytes` and
    /// `session.validation_users` keys, and `session.model`, whose snapshot (read again by the
    /// caller) is installed at once: with learning on its items are mapped onto the session
    /// vocabulary by id (new ids are added; items it does not know keep fresh rows) and it becomes
    /// the trainer's next warm start. Call between events.
    public func reloadSession(_ new: SessionEngineConfiguration, snapshotChanged: Bool) -> [String] {
        var notes: [String] = []
        let old = configuration.session
        func restart(_ key: String) { notes.append("\(key) changed; it takes effect after a restart") }
        guard let session else {
            if new.learning.enabled || new.snapshot != nil { restart("session.enabled / session.model") }
            return notes
        }
        if new.learning.enabled != (session.learning != nil) { restart("session.enabled") }
        if new.maxUsers != old.maxUsers { restart("session.max_users") }
        if new.idleTTLSeconds != old.idleTTLSeconds { restart("session.idle_ttl_s") }
        if new.maxSpilledUsers != old.maxSpilledUsers { restart("session.max_spilled_users") }
        if new.learning.attributeBuckets != old.learning.attributeBuckets { restart("session.attribute_buckets") }
        if var learning = session.learning, new.learning.enabled {
            let n = new.learning
            func change<T: Equatable>(_ key: String, _ path: WritableKeyPath<SessionLearningConfiguration, T>,
                                      shown: (T) -> String = { "\($0)" }) {
                guard learning[keyPath: path] != n[keyPath: path] else { return }
                notes.append("\(key): \(shown(learning[keyPath: path])) -> \(shown(n[keyPath: path]))")
                learning[keyPath: path] = n[keyPath: path]
            }
            // A loss is shown as its key's value: the sampled items (0: every item).
            let negatives: (SessionLoss) -> String = { "\($0.negativeCount)" }
            change("session.train_every_events", \.trainEveryEvents)
            change("session.train_interval_s", \.trainIntervalSeconds)
            change("session.replay_max_bytes", \.replayMaxBytes)
            change("session.train_max_examples", \.maxExamplesPerRound)
            change("session.train_negatives", \.model.loss, shown: negatives)
            change("session.validation_users", \.validationUsers)
            change("session.idle_rounds", \.idleRounds)
            change("session.idle_patience", \.idlePatience)
            change("session.idle_averaging", \.idleAveraging)
            change("session.idle_train_negatives", \.idleLoss, shown: negatives)
            session.learning = learning
        }
        if snapshotChanged, let snapshot = new.snapshot {
            let model = snapshot.model
            guard model.sessionDimension == session.model.sessionDimension,
                  model.configuration.windowLength == session.model.configuration.windowLength else {
                notes.append("session.model: the snapshot's window length or width differs from the serving model's; it takes effect after a restart")
                return notes
            }
            let version = session.modelVersion + 1
            if session.learning != nil {
                let ids = installMapped(snapshot, into: session, version: version, madeAtMs: 0)
                notes.append("session.model: snapshot loaded (\(snapshot.itemIds.count) items, \(ids) in the vocabulary), serving as version \(version) and the trainer's next warm start")
            } else if snapshot.itemIds == session.sessionItemIds {
                session.install(model: model, fusion: snapshot.fusion, encoder: SessionBatchEncoder(model: model),
                                version: version, madeAtMs: 0)
                notes.append("session.model: snapshot loaded, serving as version \(version)")
            } else {
                notes.append("session.model: the snapshot's items differ from the serving model's; it takes effect after a restart")
            }
        }
        return notes
    }
}

extension RecommenderCore {
    /// Serves `snapshot`'s model with its items mapped onto the session vocabulary by id (ids it
    /// brings are added; vocabulary items it does not know get fresh rows), as `version`; it is
    /// the trainer's next warm start. Returns the vocabulary's size. Learning must be on.
    @discardableResult
    func installMapped(_ snapshot: SessionSnapshot, into session: SessionTracker, version: Int64, madeAtMs: Int64) -> Int {
        session.syncItems(items)
        var position: [String: Int] = [:]
        for (k, id) in snapshot.itemIds.enumerated() { position[id] = k }
        for id in snapshot.itemIds { _ = session.vocabularyIndex(of: id) }
        let ids = session.sessionItemIds
        let mapped = snapshot.model.reindexed(itemCount: ids.count, seed: UInt64(bitPattern: version)) { position[ids[$0]] }
        session.install(model: mapped, fusion: snapshot.fusion, encoder: SessionBatchEncoder(model: mapped),
                        version: version, madeAtMs: madeAtMs)
        return ids.count
    }
}
