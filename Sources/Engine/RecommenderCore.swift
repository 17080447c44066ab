import Events
import Linalg
import Models

/// The state of the recommender and the per-event work on it: id maps, the online learner,
/// popularity, per-user bookkeeping, prequential metrics, and list refreshes.
///
/// Knows nothing of Kafka: the pipeline feeds it decoded events and publishes what it emits.
/// Not thread-safe; one owner drives it (the pipeline wraps it in a lock for readers).
public final class RecommenderCore {
    /// The configuration it was built with.
    public let configuration: EngineConfiguration
    /// The online matrix-factorization learner.
    public let model: OnlineMF
    // The state `apply` touches on every event is `@exclusivity(unchecked)`: one thread at a time
    // drives the core (the pipeline holds its lock) and no access to these is held open across
    // a call that reaches another, so the runtime check (about 10 ns per access, a dozen
    // accesses per event) is left out.

    /// External user ids ↔ rows.
    @exclusivity(unchecked)
    public internal(set) var users = IdentifierMap()
    /// External item ids ↔ rows.
    @exclusivity(unchecked)
    public internal(set) var items = IdentifierMap()
    /// Per-user bookkeeping.
    @exclusivity(unchecked)
    public internal(set) var table = UserTable()
    /// Time-decayed item popularity.
    @exclusivity(unchecked)
    public internal(set) var popularity: PopularityTracker
    /// Online HR/NDCG of published lists.
    @exclusivity(unchecked)
    public internal(set) var metrics: PrequentialMetrics
    /// Events applied since the state began.
    @exclusivity(unchecked)
    public internal(set) var appliedEvents: Int64 = 0
    /// Lists emitted since start.
    public internal(set) var listsPublished: Int64 = 0
    /// Event time of the newest event applied, in ms.
    @exclusivity(unchecked)
    public internal(set) var latestEventMs: Int64 = 0

    @exclusivity(unchecked)
    var dirtyQueue: [Int32] = []
    /// A refresh whose hybrid lists are being ranked in the background (`refresh(…, deferring: true)`).
    var deferredRefresh: DeferredRefresh?
    /// Rows of evicted users, ready for new users.
    var freeUserRows: [Int32] = []
    /// Users evicted since the state began.
    public internal(set) var evictedUsers: Int64 = 0
    /// Events applied per input partition (index = partition) in the state held for it: a
    /// partition's count leaves with it (`dropPartition`) and comes back with its restore.
    @exclusivity(unchecked)
    public internal(set) var appliedByPartition: [Int64] = []
    /// Whether each user row changed since its state was last taken by `takeChangedUsers`.
    @exclusivity(unchecked)
    var changedSinceTaken: [Bool] = []
    /// Rows flagged in `changedSinceTaken`, in the order they changed.
    @exclusivity(unchecked)
    var changedRows: [Int32] = []
    /// Track changed users for a changelog (off: nothing is recorded per event).
    public var tracksChanges = false
    /// The MF learner's passes over the seen items while the stream is quiet.
    var mfIdle = MFIdleReplay()
    /// Per-user session windows and vectors, when a session model is configured.
    let session: SessionTracker?
    /// What the item topic says of each item, and the ranking mask made from it.
    public let catalog: ItemCatalog
    /// Called for each event scored against the user's last list, with its source and the
    /// item's rank in that list (nil: not in it), when set (benchmarks and audits that split
    /// the online metrics by partition or position).
    public var onScored: ((EventSource, Int?) -> Void)?
    /// Item state shared with other instances (nil: this instance's items are its own).
    public internal(set) var itemSharing: ItemShareLedger?
    let scorer: ListScorer
    private let weights: TypeWeights

    /// Creates an empty state.
    public convenience init(configuration: EngineConfiguration) {
        self.init(configuration: configuration, model: OnlineMF(configuration: configuration.model))
    }

    /// Creates a state around an existing learner (a warm start or a checkpoint) with no users
    /// or items registered yet beyond what the caller restores. `scoringLanes` overrides
    /// `ListScorer.defaultLanes()` (tests).
    init(configuration: EngineConfiguration, model: OnlineMF, scoringLanes: Int? = nil) {
        self.configuration = configuration
        self.model = model
        self.popularity = PopularityTracker(halfLifeSeconds: configuration.popularityHalfLifeSeconds)
        self.metrics = PrequentialMetrics(k: configuration.metricK)
        self.session = SessionTracker.make(configuration: configuration.session)
        self.scorer = ListScorer(topK: configuration.topK, factors: configuration.model.factors,
                                 batchSize: configuration.refreshBatchSize, lanes: scoringLanes)
        self.weights = TypeWeights(configuration)
        self.catalog = ItemCatalog(configuration: configuration.items, factors: model.factors)
    }

    /// Number of users waiting for a refresh.
    public var dirtyCount: Int { dirtyQueue.count }

    /// Applies one event: prequential score, factor update, session window update, bookkeeping,
    /// marks the user dirty.
    public func apply(_ event: Event, source: EventSource) throws(EngineRejection) {
        let user = try userIndex(for: event.user)
        let item = try itemIndex(for: event.item)
        let u = Int(user)

        // Test, then train: was the item in the list the user was last shown?
        let shown = table.lastList[u]
        if !shown.isEmpty {
            let rank = shown.firstIndex(of: item)
            metrics.record(rank: rank)
            onScored?(source, rank)
        }

        if let session, session.heldOut.isPending(u) || (session.heldOut.samples(appliedEvents) && isPersonal(user)) {
            captureHeldOut(user: u, item: item)
        }
        let weight = weights.weight(of: event.type, value: event.value)
        switch configuration.model.feedback {
        case .implicit:
            model.update(user: user, item: item, value: weight)
        case .explicit:
            if event.type == .rating, let value = event.value {
                model.update(user: user, item: item, value: value)
            }
        }
        popularity.record(item: item, weight: weight, timestampMs: event.timestampMs)
        itemSharing?.journal.mark(Int(item))

        session?.record(user: u, item: item, type: event.type.rawValue, timestampMs: event.timestampMs, items: items, users: users)
        if table.record(user: u, item: item, source: source, sequence: appliedEvents) {
            dirtyQueue.append(user)
        }
        appliedEvents += 1
        if event.timestampMs > latestEventMs { latestEventMs = event.timestampMs }
        let p = Int(source.partition)
        if p >= 0 {
            if p >= appliedByPartition.count { appliedByPartition += Array(repeating: 0, count: p + 1 - appliedByPartition.count) }
            appliedByPartition[p] &+= 1
        }
        if tracksChanges { markChanged(user) }
    }

    /// Flags `user` for the next `takeChangedUsers`.
    @inline(__always)
    func markChanged(_ user: Int32) {
        let u = Int(user)
        if u >= changedSinceTaken.count {
            changedSinceTaken += Array(repeating: false, count: max(u + 1 - changedSinceTaken.count, changedSinceTaken.count))
        }
        if changedSinceTaken[u] { return }
        changedSinceTaken[u] = true
        changedRows.append(user)
    }

    /// Scores every dirty user whose debounce interval has passed (all of them with `force`),
    /// in batches through BLAS, and emits each list that differs from the one last published.
    /// With `maintenance` (a regular round), first installs a finished session model and takes
    /// a catalog round, and afterwards spills idle session states, looking at
    /// `sessionSweepRows` rows; a refresh cut into a fetched batch passes `false` and only scores.
    /// Returns the number of lists emitted.
    ///
    /// A deferred refresh still running is completed first (its lists emitted before this one's).
    /// With `deferring` (and not `force`), a large hybrid ranking is left to the scorer's
    /// background lane: its lists come out of `completeDeferredRefresh` or the next refresh.
    @discardableResult
    public func refresh(nowMs: Int64, wallClockMs: Int64, force: Bool = false, maintenance: Bool = true,
                        deferring: Bool = false, emit: (RecommendationList) -> Void) -> Int {
        let completed = completeDeferredRefresh(wait: true, emit: emit)
        // After scoring, so users just scored keep their windows for this round. Event time,
        // capped at the wall clock: one event stamped in the future must not expire everyone.
        if maintenance { maintainSessionModel(wallClockMs: wallClockMs) }
        defer {
            if maintenance {
                let now = wallClockMs > 0 ? min(latestEventMs, wallClockMs) : latestEventMs
                session?.sweepIdle(nowMs: now, users: users, rowLimit: Self.sessionSweepRows)
            }
        }
        if maintenance { catalogRound() }
        guard !dirtyQueue.isEmpty, items.count > 0 else { return completed }
        var ready: [Int32] = []
        var waiting: [Int32] = []
        // A round takes at most `refreshMaxUsers` users (unless forced), so the loop gets back to
        // polling quickly; the rest wait, in order, for the next round.
        let limit = force ? Int.max : configuration.refreshMaxUsers
        for user in dirtyQueue {
            // A row freed by an eviction while queued (its id is forgotten): nothing to score.
            if users.id(at: user).isEmpty {
                table.isDirty[Int(user)] = false
                continue
            }
            if ready.count < limit && (force || listDue(Int(user), nowMs: nowMs)) {
                ready.append(user)
            } else {
                waiting.append(user)
            }
        }
        dirtyQueue = waiting
        guard !ready.isEmpty else { return completed }

        var emitted = 0
        let pending = scorer.rank(users: ready, core: self, deferHybrid: deferring && !force) { user, ranked in
            table.isDirty[Int(user)] = false
            guard let list = takeList(user, ranked: ranked, id: users.id(at: user), model: rankedBy(user),
                                      version: appliedEvents, nowMs: nowMs, wallClockMs: wallClockMs,
                                      basedOn: table.lastSource[Int(user)]) else { return }
            emitted += 1
            emit(list)
        }
        if let pending { deferRefresh(pending, nowMs: nowMs, wallClockMs: wallClockMs) }
        // Users still flagged dirty here were skipped by the scorer: keep them queued.
        for user in ready where table.isDirty[Int(user)] { dirtyQueue.append(user) }
        listsPublished += Int64(emitted)
        return completed + emitted
    }

    /// Notes `ranked` as user row `user`'s published list (its last list, when, how many) and
    /// returns the record to emit; nil when it equals the last list published.
    func takeList(_ user: Int32, ranked: [(index: Int, score: Float)], id: String, model: String, version: Int64,
                  nowMs: Int64, wallClockMs: Int64, basedOn: EventSource) -> RecommendationList? {
        let u = Int(user)
        let newItems = ranked.map { Int32($0.index) }
        if newItems == table.lastList[u] { return nil }
        table.lastList[u] = newItems
        table.lastPublishedMs[u] = nowMs
        table.publishedCount[u] &+= 1
        if tracksChanges { markChanged(user) }
        return RecommendationList(user: id, items: ranked.map { (items.id(at: Int32($0.index)), $0.score) },
                                  model: model, version: version, generatedAtMs: wallClockMs, basedOn: basedOn)
    }

    /// The current ranking for one user, computed now (does not publish; a spilled session window
    /// is restored first).
    public func currentList(for userId: String, k: Int, wallClockMs: Int64) -> RecommendationList? {
        guard let user = users.index(of: userId) else { return nil }
        session?.restoreIfSpilled(user: Int(user), users: users)
        var result: RecommendationList?
        scorer.rank(users: [user], core: self, k: k) { _, ranked in
            result = RecommendationList(
                user: userId, items: ranked.map { (items.id(at: Int32($0.index)), $0.score) },
                model: rankedBy(user), version: appliedEvents,
                generatedAtMs: wallClockMs, basedOn: table.lastSource[Int(user)])
        }
        return result
    }

    /// Most users one eviction frees: the cost of an eviction is proportional to it (victims come
    /// off the table's recency list, no sort), so the event that triggers it stalls for a few
    /// microseconds whatever the table's size.
    static let evictionBatch = 64

    /// Frees the rows of the least recently active users, in order of their last event (the
    /// oldest first): `evictionBatch` of them, or a twentieth of a smaller table. Their factors,
    /// history and lists are forgotten: when they come back they start as new, cold users, except
    /// for the session window, which is spilled under the user's id and restored on return.
    private func evictIdleUsers() {
        guard configuration.evictIdleUsers else { return }
        let batch = min(Self.evictionBatch, max(1, users.count / 20))
        let start = freeUserRows.count
        for _ in 0..<batch {
            guard let row = table.takeLeastRecent() else { break }
            session?.spill(user: Int(row), id: users.id(at: row), cause: .userEvicted)
            users.forget(row)
            table.reset(Int(row))
            freeUserRows.append(row)
        }
        // A victim still queued for a refresh keeps its queue entry (the queue is not scanned):
        // the row's next user inherits it, and a refresh that finds the row free drops it.
        // Handed out oldest first (`popLast`).
        freeUserRows[start...].reverse()
        evictedUsers += Int64(freeUserRows.count - start)
    }

    /// What ranks `user`'s list, as written in the output record's `model` field, by the same
    /// rule `ListScorer` follows: `popularity` for a cold user (too few events and no session
    /// window), `hybrid` for MF fused with the session model, `session` for a window without
    /// enough events for MF, else the MF model's name (`model.name`, default `bmf`).
    public func rankedBy(_ user: Int32) -> String {
        let personal = isPersonal(user)
        if let session, session.hasWindow(Int(user)) { return personal ? "hybrid" : "session" }
        return personal ? configuration.modelName : "popularity"
    }

    /// Whether the user has enough history for the personal model.
    func isPersonal(_ user: Int32) -> Bool {
        table.eventCount[Int(user)] >= configuration.minEventsForPersonal
    }

    /// Whether the user has a session window to rank by.
    func hasSessionWindow(_ user: Int32) -> Bool {
        session?.hasWindow(Int(user)) ?? false
    }

    /// The row of user `id`, registered when new. `randomVector: false` leaves the vector of a
    /// new or reused row unset (the caller sets it next: a restored user).
    func userIndex(for id: String, randomVector: Bool = true) throws(EngineRejection) -> Int32 {
        if let index = users.find(id) { return index }
        // Rows freed by a partition that left are reused first.
        if !freeUserRows.isEmpty && users.count < configuration.maxUsers, let row = freeUserRows.popLast() {
            users.reassign(row, to: id)
            if randomVector { model.resetUser(row) }
            return row
        }
        if users.count >= configuration.maxUsers {
            if freeUserRows.isEmpty { evictIdleUsers() }
            guard let row = freeUserRows.popLast() else { throw .userCapacity }
            users.reassign(row, to: id)
            table.claim(Int(row))
            if randomVector { model.resetUser(row) }
            return row
        }
        let index = users.appendAbsent(id)
        let row = model.addUser(random: randomVector)
        precondition(row == index, "model and id map disagree on user rows")
        table.addUser()
        return index
    }

    func itemIndex(for id: String) throws(EngineRejection) -> Int32 {
        if let index = items.find(id) { return index }
        guard items.count < configuration.maxItems else { throw .itemCapacity }
        let (index, _) = items.insert(id)
        if let itemSharing {
            // Every instance starts an item alike, from its id: what they share are differences.
            let row = model.addItem(seed: Self.stableHash(id))
            precondition(row == index, "model and id map disagree on item rows")
            itemSharing.addRow(from: model, row: row)
        } else {
            let row = model.addItem()
            precondition(row == index, "model and id map disagree on item rows")
        }
        popularity.addItem()
        return index
    }
}
