import Models

extension RecommenderCore {
    /// Rows the idle-session sweep looks at per refresh round (a full pass over a million users
    /// takes about 250 rounds).
    static let sessionSweepRows = 4_096

    /// Spills every session state idle for longer than `session.idle_ttl_s` before `nowMs`
    /// (event time, ms); returns how many. Refresh rounds do the same a slice of rows at a time,
    /// with the newest applied event's time.
    @discardableResult
    public func sweepIdleSessions(nowMs: Int64) -> Int {
        session?.sweepIdle(nowMs: nowMs, users: users, rowLimit: Int.max) ?? 0
    }

    /// The session vector held for `userId` (nil: no session model, unknown user, or no state in
    /// memory; a spilled window is not restored by this call).
    public func sessionVector(for userId: String) -> [Float]? {
        guard let session, let user = users.index(of: userId) else { return nil }
        return session.vector(user: Int(user))
    }

    /// Whether a window is spilled (out of memory, restorable) for `userId`.
    public func hasSpilledSession(for userId: String) -> Bool {
        session?.spilled.contains(userId) ?? false
    }
}

extension RecommenderCore {
    /// The session model ranking now (nil: none, or learning has not produced its first model).
    public var servingSessionModel: BiGRUSessionModel? {
        guard let session, session.ready else { return nil }
        return session.model
    }

    /// The steps of `userId`'s held window, oldest first, by session vocabulary index (nil: no
    /// state in memory; for inspection and tests).
    public func sessionWindow(for userId: String) -> [SessionStep]? {
        guard let session, let user = users.index(of: userId), Int(user) < session.slots.count else { return nil }
        return session.slots[Int(user)]?.window.steps
    }
}

extension RecommenderCore {
    /// The item id of each session vocabulary index (empty without a session model; a copy, for
    /// inspection and tests).
    public var sessionVocabulary: [String] { session?.sessionItemIds ?? [] }
}

extension RecommenderCore {
    /// The fusion of the serving session model (nil: none).
    public var servingSessionFusion: HybridFusion? { session?.ready == true ? session?.fusion : nil }

    /// Why the restored checkpoint's learned session model is not serving (its window or vector
    /// width differ from this configuration's); nil when it is, or there was none.
    public var skippedSessionModel: String? { session?.skippedLearnedModel }

    /// Serves the session model with `fusion` instead of its fitted one (offline what-if scoring
    /// of a saved state, `eval --model engine --set fusion=SHARE`); every held vector is re-encoded
    /// when next read, as at any install. Returns false without a serving session model.
    @discardableResult
    public func replaceSessionFusion(_ fusion: HybridFusion) -> Bool {
        guard let session, session.ready else { return false }
        session.install(model: session.model, fusion: fusion, encoder: SessionBatchEncoder(model: session.model), version: session.modelVersion,
                         madeAtMs: session.modelMadeAtMs)
        return true
    }
}
