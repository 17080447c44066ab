import Events
import Linalg
import Models

/// The engine's per-user session state: a ring buffer of each user's recent items (session item
/// indices) with the cached Bi-GRU session vector and the forward GRU state it came from. An
/// event only appends to the window and flags the vector stale; stale vectors are encoded when
/// they are next read, in chunks of `SessionBatchEncoder.chunk` users of like forward length (one
/// sgemm per GRU step), which the refresh does for the users it scores (`encodePending`): the
/// forward direction runs only the steps appended since the carried state, the backward direction
/// the newest `backwardSteps` steps. A state without a carried forward state (new model, restored
/// or imported window) is encoded from its whole window. Engine item rows are mapped
/// to session item indices by id. With a fixed model (a snapshot, no learning), items the model
/// does not know are not added to windows and get session score 0. With learning on, every new
/// item enters the session vocabulary (the index after the last) and windows hold every event;
/// items the serving model does not know yet are passed over by the encoder and score 0 until a
/// round's model includes them. A new model is installed between events (`install`): every held
/// vector is flagged stale and re-encoded when next read, so a list is scored by one model.
///
/// Memory is bounded: at most `maxUsers` states are held. A state leaves memory (is spilled: its
/// window, without the vector, moves to a packed `SessionSpillStore` keyed by the user's id) when
/// the table is full (the least recently active ones, a small batch at a time), when the user has been idle for longer
/// than the TTL (`sweepIdle`, judged by event time), or when the engine evicts the user. The
/// user's next event, or a list request, restores the window and re-encodes it, so a returning
/// user continues the same window; the time-gap feature sees the long gap. Not thread-safe; owned
/// by the `RecommenderCore`.
final class SessionTracker {
    /// The encoder serving now (a placeholder while `ready` is false).
    private(set) var model: BiGRUSessionModel
    /// How MF and session scores are fused.
    private(set) var fusion: HybridFusion
    /// Whether a model takes part in ranking (false until the first trained model when learning
    /// starts without a snapshot: users rank by MF alone).
    private(set) var ready: Bool
    /// Version of the serving model: 0 none, 1 a snapshot, then one more per installed round.
    private(set) var modelVersion: Int64
    /// Wall-clock ms when the serving model was made (0: unknown, e.g. a snapshot).
    private(set) var modelMadeAtMs: Int64 = 0
    /// Why a checkpoint's learned model was not installed (its window or vector width differ from
    /// this configuration's), nil when it was or there was none.
    var skippedLearnedModel: String?
    let maxUsers: Int
    let ttlMs: Int64
    /// Settings of the in-daemon training; nil when the model is fixed (some change on reload).
    var learning: SessionLearningConfiguration?
    var sessionIndexById: [String: Int32]
    /// Item id of each session item index (the session vocabulary).
    private(set) var sessionItemIds: [String]
    /// Session item index of each engine item row (-1: unknown to the model).
    private(set) var itemMap: [Int32] = []
    /// State per user row (nil: none held).
    var slots: [SessionState?] = []
    /// Event time of each user's newest recorded step.
    var lastEventMs: [Int64] = []
    /// Rows with a held state, least recently active first (for choosing whom to spill).
    var recency = RecencyList()
    /// Users with a state.
    var heldCount = 0
    /// Windows of users whose state left memory.
    private(set) var spilled: SessionSpillStore
    /// Counters of states spilled, by cause, and of windows restored.
    private(set) var counters = SessionSpillCounters()
    /// Next row the TTL sweep looks at.
    private var sweepCursor = 0
    /// Encodes stale windows in chunks.
    private var encoder: SessionBatchEncoder
    /// Encoders of the serving model lent to deferred encodings (`loadDeferred`), kept between refreshes.
    private var spareEncoders: [SessionBatchEncoder] = []
    /// User row of each row loaded into the encoder's current chunk.
    private var chunkUsers: [Int]
    /// Stale rows of the current `encodePending` call and their window lengths (scratch, kept).
    private var pendingRows: [Int] = []
    private var pendingLengths: [Int] = []
    /// The serving model's output embeddings and biases in engine item order.
    let scoreTable: SessionScoreTable
    /// Bookkeeping of the in-daemon training (rounds taken, the trainer thread).
    var learningState = SessionLearningState()
    /// Held-out events captured for the next round.
    var heldOut = SessionHeldOut()

    deinit { learningState.learner?.stop() }

    /// A tracker for `configuration`: nil when there is neither a snapshot nor learning.
    static func make(configuration: SessionEngineConfiguration) -> SessionTracker? {
        guard configuration.snapshot != nil || configuration.learning.enabled else { return nil }
        return SessionTracker(configuration: configuration)
    }

    init(configuration: SessionEngineConfiguration) {
        learning = configuration.learning.enabled ? configuration.learning : nil
        if let snapshot = configuration.snapshot {
            model = snapshot.model
            fusion = snapshot.fusion
            ready = true
            modelVersion = 1
        } else {
            // A placeholder of the learned shape (window length, width) until the first round.
            model = BiGRUSessionModel.placeholder(like: configuration.learning.model)
            fusion = HybridFusion()
            ready = false
            modelVersion = 0
        }
        maxUsers = max(1, configuration.maxUsers)
        ttlMs = Int64(max(0, configuration.idleTTLSeconds) * 1000)
        spilled = SessionSpillStore(capacity: configuration.maxSpilledUsers)
        let ids = configuration.snapshot?.itemIds ?? []
        var index: [String: Int32] = [:]
        index.reserveCapacity(ids.count)
        for (k, id) in ids.enumerated() { index[id] = Int32(k) }
        sessionIndexById = index
        sessionItemIds = ids
        encoder = SessionBatchEncoder(model: model)
        modelFingerprint = Int64(bitPattern: model.weightFingerprint())
        chunkUsers = [Int](repeating: 0, count: SessionBatchEncoder.chunk)
        scoreTable = SessionScoreTable(dimension: model.sessionDimension)
    }

    /// Serves `update`'s model from now on: every held vector is flagged stale (re-encoded when
    /// next read), so no list mixes the old and the new model. Call between events.
    func install(model newModel: BiGRUSessionModel, fusion newFusion: HybridFusion, encoder newEncoder: SessionBatchEncoder,
                 version: Int64, madeAtMs: Int64, warm: SessionWarmStates = SessionWarmStates()) {
        precondition(newModel.sessionDimension == model.sessionDimension
                     && newModel.configuration.windowLength == model.configuration.windowLength,
                     "a new session model must keep the window length and the vector width")
        model = newModel
        fusion = newFusion
        encoder = newEncoder.model === newModel ? newEncoder : SessionBatchEncoder(model: newModel)
        modelFingerprint = Int64(bitPattern: newModel.weightFingerprint())
        modelVersion = version
        modelMadeAtMs = madeAtMs
        ready = true
        for u in slots.indices where slots[u] != nil { slots[u]!.invalidate() }
        learningState.lastWarmed = warm.isEncoded && warm.hidden == newModel.configuration.hiddenSize ? carry(warm) : 0
    }

    /// Gives the users of `warm` whose state is the one noted, with at most a window's worth of
    /// steps appended since, the new model's forward state of their noted window and those steps
    /// to run. Returns how many got one.
    private func carry(_ warm: SessionWarmStates) -> Int {
        var carried = 0
        let capacity = model.configuration.windowLength
        for k in 0..<warm.count {
            let u = Int(warm.rows[k])
            guard u < slots.count, let slot = slots[u], slot.serial == warm.serials[k] else { continue }
            let pending = slot.appendedSteps - warm.steps[k]
            guard pending >= 0, pending <= capacity else { continue }
            slots[u]!.restoreCarried(forwardHidden: warm.state(k), pendingSteps: pending)
            carried += 1
        }
        return carried
    }

    /// Replaces the vocabulary (a checkpoint's); the engine item map is rebuilt on the next `syncItems`.
    func replaceVocabulary(ids: [String], index: [String: Int32]) {
        sessionItemIds = ids
        sessionIndexById = index
        itemMap.removeAll()
        scoreTable.reset()
    }

    /// Adds `id` to the session vocabulary (learning on) and returns its index; nil when the model
    /// is fixed and does not know it.
    func vocabularyIndex(of id: String) -> Int32? {
        if let s = sessionIndexById[id] { return s }
        guard learning != nil else { return nil }
        let s = Int32(sessionItemIds.count)
        sessionItemIds.append(id)
        sessionIndexById[id] = s
        return s
    }

    /// Session vector width.
    var dimension: Int { model.sessionDimension }

    /// The score table of the serving model over every engine item row (call after `syncItems`).
    func preparedScoreTable() -> SessionScoreTable {
        scoreTable.update(model: model, itemMap: itemMap)
        return scoreTable
    }

    /// Extends the item map to every engine item row (items are never reassigned).
    func syncItems(_ items: IdentifierMap) {
        while itemMap.count < items.count {
            itemMap.append(vocabularyIndex(of: items.id(at: Int32(itemMap.count))) ?? -1)
        }
    }

    func ensureUser(_ u: Int) {
        while slots.count <= u {
            slots.append(nil)
            lastEventMs.append(.min)
        }
        recency.grow(to: slots.count)
    }

    /// Adds one event of user row `u` (external id `users.id(at: u)`) on engine item row `item`
    /// with event type `type` (the model's type input) and flags the vector stale (encoded when
    /// next read); a window spilled for the user is restored first.
    func record(user u: Int, item: Int32, type: UInt8, timestampMs: Int64, items: IdentifierMap, users: IdentifierMap) {
        syncItems(items)
        ensureUser(u)
        let s = itemMap[Int(item)]
        guard s >= 0 else { return }
        if slots[u] == nil { admit(user: u, users: users) }
        lastEventMs[u] = max(lastEventMs[u], timestampMs)
        recency.touch(Int32(u))
        slots[u]!.append(SessionStep(item: s, type: type, timestampMs: timestampMs))
    }

    /// Re-encodes the stale vectors of `rows` (users without a state are passed over), a chunk at
    /// a time. Allocates nothing.
    func encodePending(_ rows: ArraySlice<Int32>) {
        pendingRows.removeAll(keepingCapacity: true)
        pendingLengths.removeAll(keepingCapacity: true)
        var longest = 0
        for user in rows {
            let u = Int(user)
            guard u < slots.count, slots[u]?.needsEncoding == true else { continue }
            // Forward steps to run: those appended since the carried state, or the whole window.
            let slot = slots[u]!
            let n = slot.carriesForward ? min(slot.pendingSteps, slot.window.count) : slot.window.count
            pendingRows.append(u)
            pendingLengths.append(n)
            longest = max(longest, n)
        }
        // Longest windows first: a chunk runs as many GRU steps as its longest window, so windows
        // of like length share chunks (users with short histories do not pay for full windows).
        for length in stride(from: longest, through: 0, by: -1) {
            for (i, u) in pendingRows.enumerated() where pendingLengths[i] == length {
                chunkUsers[encoder.loaded] = u
                load(slots[u]!, into: encoder)
                if encoder.isFull { flushChunk() }
            }
        }
        if encoder.loaded > 0 { flushChunk() }
    }

    /// Loads the stale windows among `rows` into encoders lent from `spareEncoders` (same model
    /// and tables as `encoder`), for another thread to encode; nothing is stored until
    /// `storeDeferred`. Longest windows first, as `encodePending` does.
    func loadDeferred(_ rows: ArraySlice<Int32>) -> DeferredEncoding {
        var stale: [(user: Int, position: Int, length: Int)] = []
        for (position, user) in rows.enumerated() {
            let u = Int(user)
            guard u < slots.count, let slot = slots[u], slot.needsEncoding else { continue }
            let n = slot.carriesForward ? min(slot.pendingSteps, slot.window.count) : slot.window.count
            stale.append((u, position, n))
        }
        // The order `encodePending` loads them in (by length, then by position), so each window
        // sits in the same chunk row and its vector is the same to the last bit.
        stale.sort { $0.length != $1.length ? $0.length > $1.length : $0.position < $1.position }
        let chunk = SessionBatchEncoder.chunk
        var encoders: [SessionBatchEncoder] = []
        let needed = (stale.count + chunk - 1) / chunk
        if spareEncoders.first.map({ $0.model !== model }) ?? false { spareEncoders.removeAll() }
        while encoders.count < needed {
            encoders.append(spareEncoders.popLast() ?? SessionBatchEncoder(sharingTablesOf: encoder))
        }
        var users: [Int] = [], positions: [Int] = [], serials: [Int64] = [], appended: [Int] = []
        users.reserveCapacity(stale.count)
        positions.reserveCapacity(stale.count)
        serials.reserveCapacity(stale.count)
        appended.reserveCapacity(stale.count)
        for (i, entry) in stale.enumerated() {
            let slot = slots[entry.user]!
            load(slot, into: encoders[i / chunk])
            users.append(entry.user)
            positions.append(entry.position)
            serials.append(slot.serial)
            appended.append(slot.appendedSteps)
        }
        return DeferredEncoding(encoders: encoders, users: users, positions: positions, serials: serials,
                                appendedSteps: appended, rows: rows.count)
    }

    /// Loads `slot`'s window into the next row of `encoder`: the steps since its carried forward
    /// state when it carries one, else the whole window.
    private func load(_ slot: SessionState, into encoder: SessionBatchEncoder) {
        if slot.carriesForward {
            slot.forwardHidden.withUnsafeBufferPointer {
                _ = encoder.load(slot.window, carried: $0.baseAddress!, pending: slot.pendingSteps)
            }
        } else {
            encoder.load(slot.window)
        }
    }

    /// Stores the vectors of an encoded `DeferredEncoding` into the states they were loaded
    /// from, where a state is still that one (same serial, no step appended since) and the model
    /// still serves; its encoders return to the spares.
    func storeDeferred(_ encoding: DeferredEncoding) {
        guard encoding.model === model else { return }
        for i in encoding.users.indices {
            let u = encoding.users[i]
            guard u < slots.count, let slot = slots[u], slot.serial == encoding.serials[i],
                  slot.appendedSteps == encoding.appendedSteps[i], slot.needsEncoding else { continue }
            let result = encoding.result(i)
            slots[u]!.store(vector: result.vector, forwardHidden: result.forwardHidden, hidden: result.hidden)
        }
        spareEncoders.append(contentsOf: encoding.encoders)
    }

    private func flushChunk() {
        let n = encoder.loaded
        encoder.encode()
        for r in 0..<n {
            slots[chunkUsers[r]]!.store(vector: encoder.vector(r), forwardHidden: encoder.forwardHidden(r), hidden: encoder.hiddenSize)
        }
    }

    /// Encodes user row `u`'s vector when it is stale.
    private func encodeIfStale(_ u: Int) {
        guard u < slots.count, slots[u]?.needsEncoding == true else { return }
        encodePending([Int32(u)][...])
    }

    /// Gives user row `u` a slot: the window spilled under its id (not yet encoded), or an empty
    /// one. Spills the least recently active states first when the table is full.
    private func admit(user u: Int, users: IdentifierMap) {
        if heldCount >= maxUsers { spillLeastRecent(users: users) }
        var slot = SessionState(model: model)
        lastEventMs[u] = .min
        if spilled.count > 0, let window = spilled.take(users.id(at: Int32(u))) {
            for (item, time) in zip(window.items, window.timestamps) {
                slot.append(SessionStep(item: item, type: 0, timestampMs: time))
            }
            lastEventMs[u] = window.lastEventMs
            counters.restored += 1
        }
        slots[u] = slot
        heldCount += 1
    }

    /// Restores user row `u`'s spilled window, if any, so its vector can be read (a list request).
    /// Returns whether the user now has a window.
    @discardableResult
    func restoreIfSpilled(user u: Int, users: IdentifierMap) -> Bool {
        if hasWindow(u) { return true }
        guard spilled.count > 0, spilled.contains(users.id(at: Int32(u))) else { return false }
        ensureUser(u)
        admit(user: u, users: users)
        recency.touch(Int32(u))
        return true
    }

    /// Whether user row `u`'s vector waits to be encoded.
    func isStale(_ u: Int) -> Bool { u < slots.count && slots[u]?.needsEncoding == true }

    /// Whether user row `u` has a non-empty window.
    func hasWindow(_ u: Int) -> Bool { ready && u < slots.count && !(slots[u]?.isEmpty ?? true) }

    /// Copies user row `u`'s session vector to `out` (`dimension` floats), encoding it first when
    /// stale (`encodePending` does that for a batch at once).
    func copyVector(user u: Int, to out: UnsafeMutablePointer<Float>) {
        encodeIfStale(u)
        guard u < slots.count, let slot = slots[u] else { out.update(repeating: 0, count: dimension); return }
        slot.vector.withUnsafeBufferPointer { out.update(from: $0.baseAddress!, count: dimension) }
    }

    /// User row `u`'s session vector, when a state is held (a copy; for inspection and tests).
    func vector(user u: Int) -> [Float]? {
        encodeIfStale(u)
        return u < slots.count ? slots[u]?.vector : nil
    }

    /// Moves user row `u`'s window, keyed by `id`, to the spill store and frees its state.
    func spill(user u: Int, id: String, cause: SessionSpillCounters.Cause) {
        guard u < slots.count, let slot = slots[u] else { return }
        if !id.isEmpty { spilled.put(id: id, window: slot.window, lastEventMs: lastEventMs[u]) }
        slots[u] = nil
        lastEventMs[u] = .min
        recency.remove(Int32(u))
        heldCount -= 1
        counters.count(cause)
    }

    /// Most states one capacity spill frees (a twentieth of a smaller table): victims come off the
    /// recency list, so the cost is proportional to the batch, not to the states held.
    static let spillBatch = 64

    /// Spills the least recently active held states (by their last recorded step or restore), the
    /// oldest first: `spillBatch` of them, or a twentieth of a smaller table.
    private func spillLeastRecent(users: IdentifierMap) {
        for _ in 0..<min(Self.spillBatch, max(1, heldCount / 20)) {
            guard let u = recency.oldest >= 0 ? Int(recency.oldest) : nil else { return }
            spill(user: u, id: users.id(at: Int32(u)), cause: .capacity)
        }
    }

    /// Spills the states whose newest event is more than the TTL older than `nowMs` (event time),
    /// looking at no more than `rowLimit` rows from where the previous sweep stopped, so the cost
    /// is spread over calls. Returns the states spilled.
    @discardableResult
    func sweepIdle(nowMs: Int64, users: IdentifierMap, rowLimit: Int) -> Int {
        guard ttlMs > 0, heldCount > 0, !slots.isEmpty else { return 0 }
        var spilledNow = 0
        for _ in 0..<min(rowLimit, slots.count) {
            if sweepCursor >= slots.count { sweepCursor = 0 }
            let u = sweepCursor
            sweepCursor += 1
            if slots[u] != nil, lastEventMs[u] != .min, nowMs - lastEventMs[u] > ttlMs {
                spill(user: u, id: users.id(at: Int32(u)), cause: .idle)
                spilledNow += 1
            }
        }
        return spilledNow
    }

    /// Bytes held by the live states: per user the window (item, type, time), the vector and
    /// headers, plus the per-row arrays and the item map (the spill store is counted apart).
    var estimatedBytes: Int {
        heldCount * bytesPerState + slots.count * (8 + 8 + 9) + itemMap.count * 4 + scoreTable.bytes
    }

    /// Bytes of one live state: window arrays, vector, forward state, and five array headers.
    var bytesPerState: Int {
        model.configuration.windowLength * (4 + 1 + 8) + dimension * 4 + model.configuration.hiddenSize * 4 + 5 * 32
    }

    // MARK: - Checkpoint

    /// Writes every held window (steps as session item indices with their times), after a header
    /// naming the model's item count and weight count.
    func write(into w: inout ByteWriter) {
        if learning != nil { writeLearned(into: &w); return }
        let held = slots.indices.filter { slots[$0] != nil }
        w.append(UInt64(model.itemCount))
        w.append(UInt64(model.parameterCount))
        w.append(UInt64(held.count))
        for u in held {
            let steps = slots[u]!.window.steps
            w.append(Int32(u))
            w.append(lastEventMs[u])
            w.append(steps.map(\.item))
            w.append(UInt32(steps.count))
            for s in steps { w.append(s.timestampMs ?? .min) }
        }
    }

    /// Rebuilds the windows written by `write(into:)` (encoded when first read). Windows written for a
    /// model of another shape are skipped (users start new windows). Returns the windows restored.
    @discardableResult
    func read(from r: inout ByteReader, userCount: Int) throws -> Int {
        let items = try r.read(UInt64.self), weights = try r.read(UInt64.self)
        if items == Self.learnedMarker {
            guard learning != nil else { return 0 }
            return try readLearned(from: &r, format: weights, userCount: userCount)
        }
        guard items == UInt64(model.itemCount), weights == UInt64(model.parameterCount) else { return 0 }
        let count = Int(try r.read(UInt64.self))
        for _ in 0..<count {
            let u = Int(try r.read(Int32.self))
            let last = try r.read(Int64.self)
            let items = try r.readInt32s()
            let n = Int(try r.read(UInt32.self))
            guard n == items.count, u >= 0, u < userCount, items.allSatisfy({ $0 >= 0 && $0 < model.itemCount }) else {
                throw SnapshotError(.malformed, "session window of row \(u) does not match the user table")
            }
            var slot = SessionState(model: model)
            for item in items {
                let t = try r.read(Int64.self)
                slot.append(SessionStep(item: item, type: 0, timestampMs: t == .min ? nil : t))
            }
            ensureUser(u)
            if slots[u] == nil { heldCount += 1 }
            slots[u] = slot
            lastEventMs[u] = last
            recency.touch(Int32(u))
        }
        return count
    }

    /// Writes the spilled windows and the spill counters, after the same model header as `write`.
    func writeSpilled(into w: inout ByteWriter) {
        if learning != nil {
            // Learning: windows hold vocabulary indices, whatever model serves.
            w.append(Self.learnedMarker)
            w.append(UInt64(sessionItemIds.count))
        } else {
            w.append(UInt64(model.itemCount))
            w.append(UInt64(model.parameterCount))
        }
        counters.write(into: &w)
        spilled.write(into: &w)
    }

    /// Reads what `writeSpilled` wrote. Windows written for a model of another shape are skipped.
    func readSpilled(from r: inout ByteReader) throws {
        let items = try r.read(UInt64.self), weights = try r.read(UInt64.self)
        if items == Self.learnedMarker {
            guard learning != nil, weights <= UInt64(sessionItemIds.count) else { return }
            counters = try SessionSpillCounters(from: &r)
            try spilled.read(from: &r, itemCount: sessionItemIds.count)
            return
        }
        guard learning == nil, items == UInt64(model.itemCount), weights == UInt64(model.parameterCount) else { return }
        counters = try SessionSpillCounters(from: &r)
        try spilled.read(from: &r, itemCount: model.itemCount)
    }

    // MARK: - Moving one user between instances

    /// Identifies the serving model for a carried forward state (`BiGRUSessionModel.weightFingerprint`,
    /// taken when the model is installed): two instances serving the same shared model agree on it.
    private(set) var modelFingerprint: Int64 = 0

    /// User row `u`'s carried forward state, the model it belongs to and the steps appended since
    /// (empty when none is carried).
    func exportForward(user u: Int) -> (state: [Float], model: Int64, pending: Int32) {
        guard ready, u < slots.count, let slot = slots[u], slot.carriesForward else { return ([], 0, 0) }
        return (slot.forwardHidden, modelFingerprint, Int32(slot.pendingSteps))
    }

    /// Gives user row `u` (just imported) the forward state another instance carried, when it
    /// belongs to the model serving here; otherwise the window is encoded from scratch.
    func importForward(user u: Int, state: [Float], model fingerprint: Int64, pending: Int32) {
        guard !state.isEmpty, ready, fingerprint == modelFingerprint, state.count == model.configuration.hiddenSize,
              u < slots.count, slots[u] != nil else { return }
        slots[u]!.restoreCarried(forwardHidden: state, pendingSteps: Int(pending))
    }

    /// Appends user row `u`'s session part of its `PartitionUserState` record to `w` (window
    /// items, times, newest event time, then types and the carried forward state), the bytes
    /// `exportWindow` and `exportForward` give, without building them. Returns whether the
    /// record takes the version-2 form (types or a forward state written).
    func appendRecordSession(user u: Int, id: String, to w: inout ByteWriter) -> Bool {
        let none = UnsafeBufferPointer<Float>(start: nil, count: 0)
        guard u < slots.count, let slot = slots[u] else {
            // A spilled window (no types, no forward state), or none.
            let window = exportWindow(user: u, id: id)
            return PartitionUserState.encodeSession(
                into: &w, itemCount: window.items.count, item: { window.items[$0] }, timeCount: window.times.count,
                time: { window.times[$0] }, lastEventMs: window.lastEventMs, typeCount: 0, type: { _ in 0 },
                forward: none, forwardModel: 0, forwardPending: 0)
        }
        let window = slot.window, n = window.count
        let carries = ready && slot.carriesForward
        return slot.forwardHidden.withUnsafeBufferPointer { forward in
            PartitionUserState.encodeSession(
                into: &w, itemCount: n, item: { sessionItemIds[Int(window[$0].item)] }, timeCount: n,
                time: { window[$0].timestampMs ?? .min }, lastEventMs: lastEventMs[u], typeCount: n, type: { window[$0].type },
                forward: carries ? forward : none, forwardModel: carries ? modelFingerprint : 0,
                forwardPending: carries ? Int32(slot.pendingSteps) : 0)
        }
    }

    /// User row `u`'s window by item ids (oldest first), each step's time (`Int64.min`: none) and
    /// the newest event time; a spilled window is read from the spill store. Empty when none.
    func exportWindow(user u: Int, id: String) -> (items: [String], times: [Int64], lastEventMs: Int64, types: [UInt8]) {
        if u < slots.count, let slot = slots[u] {
            let steps = slot.window.steps
            return (steps.map { sessionItemIds[Int($0.item)] }, steps.map { $0.timestampMs ?? .min }, lastEventMs[u],
                    steps.map(\.type))
        }
        if spilled.count > 0, spilled.contains(id), let window = spilled.peek(id) {
            // The spill store keeps no types.
            return (window.items.map { sessionItemIds[Int($0)] }, window.timestamps.map { $0 ?? .min }, window.lastEventMs, [])
        }
        return ([], [], .min, [])
    }

    /// Gives user row `u` the window `items` (ids the model does not know are skipped) with their
    /// times and event types (0 when `types` does not match; encoded when first read); replaces any
    /// state the row had. An empty window clears the row.
    func importWindow(user u: Int, items: [String], times: [Int64], types: [UInt8] = [], lastEventMs newest: Int64,
                      users: IdentifierMap) {
        ensureUser(u)
        if slots[u] != nil { slots[u] = nil; recency.remove(Int32(u)); heldCount -= 1 }
        let typed = types.count == items.count
        let steps = zip(items, times).enumerated().compactMap { k, step -> SessionStep? in
            guard let s = vocabularyIndex(of: step.0) else { return nil }
            return SessionStep(item: s, type: typed ? types[k] : 0, timestampMs: step.1 == .min ? nil : step.1)
        }
        guard !steps.isEmpty else { self.lastEventMs[u] = .min; return }
        if heldCount >= maxUsers { spillLeastRecent(users: users) }
        var slot = SessionState(model: model)
        for step in steps { slot.append(step) }
        slots[u] = slot
        heldCount += 1
        lastEventMs[u] = newest
        recency.touch(Int32(u))
    }

    /// Forgets user row `u`'s state and any window spilled under `id` (the user left this
    /// instance with its partition).
    func forget(user u: Int, id: String) {
        if u < slots.count, slots[u] != nil {
            slots[u] = nil
            lastEventMs[u] = .min
            recency.remove(Int32(u))
            heldCount -= 1
        }
        if spilled.count > 0 { _ = spilled.take(id) }
    }
}
