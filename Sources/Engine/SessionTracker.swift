import Events
import Linalg
import Models

/// The engine's per-user session state: a ring buffer of each user's recent items (session item
/// indices) with the cached Bi-GRU session vector, re-encoded over the whole window (both
/// directions) when an event arrives. Engine item rows are mapped to session item indices by id;
/// items the model does not know are not added to windows and get session score 0.
///
/// Memory is bounded: at most `maxUsers` states are held (the least recently active twentieth is
/// dropped when full), and a window idle for longer than the TTL starts over. Not thread-safe;
/// owned by the `RecommenderCore`.
final class SessionTracker {
    /// The encoder (weights fixed).
    let model: BiGRUSessionModel
    /// How MF and session scores are fused.
    let fusion: HybridFusion
    let maxUsers: Int
    let ttlMs: Int64
    private let sessionIndexById: [String: Int32]
    /// Session item index of each engine item row (-1: unknown to the model).
    private(set) var itemMap: [Int32] = []
    /// State per user row (nil: none held).
    private(set) var states: [SessionState?] = []
    /// Event time of each user's newest recorded step.
    private(set) var lastEventMs: [Int64] = []
    /// Record sequence number of each user's newest step (for choosing whom to drop).
    private var lastActive: [Int64] = []
    /// Users with a state.
    private(set) var heldCount = 0
    /// States dropped to respect `maxUsers`.
    private(set) var droppedStates: Int64 = 0
    private var workspace: SessionWorkspace
    private var sequence: Int64 = 0

    init(snapshot: SessionSnapshot, configuration: SessionEngineConfiguration) {
        model = snapshot.model
        fusion = snapshot.fusion
        maxUsers = max(1, configuration.maxUsers)
        ttlMs = Int64(max(0, configuration.idleTTLSeconds) * 1000)
        var index: [String: Int32] = [:]
        index.reserveCapacity(snapshot.itemIds.count)
        for (k, id) in snapshot.itemIds.enumerated() { index[id] = Int32(k) }
        sessionIndexById = index
        workspace = SessionWorkspace(configuration: snapshot.model.configuration)
    }

    /// Session vector width.
    var dimension: Int { model.sessionDimension }

    /// Extends the item map to every engine item row (items are never reassigned).
    func syncItems(_ items: IdentifierMap) {
        while itemMap.count < items.count {
            itemMap.append(sessionIndexById[items.id(at: Int32(itemMap.count))] ?? -1)
        }
    }

    private func ensureUser(_ u: Int) {
        while states.count <= u {
            states.append(nil)
            lastEventMs.append(.min)
            lastActive.append(0)
        }
    }

    /// Adds one event of user row `u` on engine item row `item` and re-encodes the window.
    /// Event types are read as type 0 (files trained on carry no types).
    func record(user u: Int, item: Int32, timestampMs: Int64, items: IdentifierMap) {
        syncItems(items)
        ensureUser(u)
        let s = itemMap[Int(item)]
        guard s >= 0 else { return }
        sequence += 1
        if states[u] == nil {
            if heldCount >= maxUsers { dropIdleStates() }
            states[u] = SessionState(model: model)
            heldCount += 1
        } else if ttlMs > 0, lastEventMs[u] != .min, timestampMs - lastEventMs[u] > ttlMs {
            states[u] = SessionState(model: model)
        }
        lastEventMs[u] = max(lastEventMs[u], timestampMs)
        lastActive[u] = sequence
        states[u]!.record(SessionStep(item: s, type: 0, timestampMs: timestampMs), model: model, workspace: &workspace)
    }

    /// Whether user row `u` has a non-empty window.
    func hasWindow(_ u: Int) -> Bool { u < states.count && !(states[u]?.isEmpty ?? true) }

    /// Copies user row `u`'s session vector to `out` (`dimension` floats).
    func copyVector(user u: Int, to out: UnsafeMutablePointer<Float>) {
        guard let state = states[u] else { out.update(repeating: 0, count: dimension); return }
        state.vector.withUnsafeBufferPointer { out.update(from: $0.baseAddress!, count: dimension) }
    }

    /// Forgets user row `u`'s state (the user was evicted from the engine).
    func reset(user u: Int) {
        guard u < states.count, states[u] != nil else { return }
        states[u] = nil
        lastEventMs[u] = .min
        lastActive[u] = 0
        heldCount -= 1
    }

    /// Drops the least recently active twentieth of the held states.
    private func dropIdleStates() {
        let held = states.indices.filter { states[$0] != nil }
        let victims = held.sorted { lastActive[$0] < lastActive[$1] }.prefix(max(1, held.count / 20))
        for u in victims { reset(user: u) }
        droppedStates += Int64(victims.count)
    }

    /// Bytes held by the states: per user the window (item, type, time), the vector and headers.
    var estimatedBytes: Int {
        let window = model.configuration.windowLength
        let perState = window * (4 + 1 + 8) + dimension * 4 + 4 * 32
        return heldCount * perState + states.count * (8 + 8 + 9) + itemMap.count * 4
    }

    // MARK: - Checkpoint

    /// Writes every held window (steps as session item indices with their times), after a header
    /// naming the model's item count and weight count.
    func write(into w: inout ByteWriter) {
        let held = states.indices.filter { states[$0] != nil }
        w.append(UInt64(model.itemCount))
        w.append(UInt64(model.parameterCount))
        w.append(UInt64(held.count))
        for u in held {
            let steps = states[u]!.window.steps
            w.append(Int32(u))
            w.append(lastEventMs[u])
            w.append(steps.map(\.item))
            w.append(UInt32(steps.count))
            for s in steps { w.append(s.timestampMs ?? .min) }
        }
    }

    /// Rebuilds the windows written by `write(into:)` and re-encodes them. Windows written for a
    /// model of another shape are skipped (users start new windows). Returns the windows restored.
    @discardableResult
    func read(from r: inout ByteReader, userCount: Int) throws -> Int {
        let items = try r.read(UInt64.self), weights = try r.read(UInt64.self)
        guard items == UInt64(model.itemCount), weights == UInt64(model.parameterCount) else { return 0 }
        let count = Int(try r.read(UInt64.self))
        for _ in 0..<count {
            let u = Int(try r.read(Int32.self))
            let last = try r.read(Int64.self)
            let items = try r.readInt32s()
            let n = Int(try r.read(UInt32.self))
            guard n == items.count, u >= 0, u < userCount else {
                throw SnapshotError(.malformed, "session window of row \(u) does not match the user table")
            }
            var state = SessionState(model: model)
            for item in items {
                let t = try r.read(Int64.self)
                state.record(SessionStep(item: item, type: 0, timestampMs: t == .min ? nil : t), model: model, workspace: &workspace)
            }
            ensureUser(u)
            if states[u] == nil { heldCount += 1 }
            states[u] = state
            lastEventMs[u] = last
            sequence += 1
            lastActive[u] = sequence
        }
        return count
    }
}
