import Engine
import Events
import Models

/// The hybrid as the daemon ranks it: an engine state warm-started from the MF side (an
/// `OnlineMF` snapshot with the data set's id maps), serving the session encoder with its fusion,
/// each user imported with their training history (seen items, event count, the newest W steps
/// as the session window). `scoreAll` is the engine's own score row
/// (`RecommenderCore.scoreRows`, the scorer and fusion of every published list), computed for a
/// batch of users at a time ahead of the harness, which asks for users in ascending order.
///
/// As in the daemon, a user with fewer than `engine.min_events_for_personal` (3) training events ranks by the
/// session alone, and a user with no window by MF alone.
final class EngineHybridModel: EvaluableModel {
    private let rows: EngineScoreRows

    /// Builds the engine state. `histories` are the users' training steps, oldest first, in the
    /// index space of `data` (whose id maps the MF snapshot and the session model share).
    init(mf: OnlineMFSnapshot, session: BiGRUSessionModel, fusion: HybridFusion, data: Interactions,
         histories: [[SessionStep]]) throws {
        var engine = EngineConfiguration()
        engine.maxUsers = max(engine.maxUsers, data.users)
        engine.maxItems = max(engine.maxItems, data.items)
        engine.session.snapshot = try SessionSnapshot(model: session, itemIds: data.itemIds, fusion: fusion)
        engine.session.maxUsers = max(engine.session.maxUsers, data.users)
        let core = try RecommenderCore.warmStart(
            snapshot: WarmStartSnapshot(model: mf, userIds: data.userIds, itemIds: data.itemIds), configuration: engine)
        let w = session.configuration.windowLength
        for (u, steps) in histories.enumerated() where !steps.isEmpty {
            let window = steps.suffix(w)
            let times = window.map { $0.timestampMs ?? .min }
            try core.importUser(PartitionUserState(
                id: data.userIds[u], lastSource: EventSource(partition: 0, offset: Int64(steps.count - 1)),
                eventCount: Int32(steps.count), publishedCount: 0, mfCount: 0, bias: 0,
                factors: [],  // keeps the warm-started vector
                seen: steps.map { data.itemIds[Int($0.item)] }, lastList: [],
                sessionItems: window.map { data.itemIds[Int($0.item)] }, sessionTimes: times,
                sessionLastEventMs: times.last ?? .min))
        }
        guard core.itemIds == data.itemIds else {
            throw EvaluationError(.unsupported, "the engine numbered the data set's items differently")
        }
        rows = EngineScoreRows(core: core, userIds: data.userIds, itemCount: data.items)
    }

    /// The engine state the scores come from.
    var core: RecommenderCore { rows.core }

    func scoreAll(user: Int32, into scores: UnsafeMutableBufferPointer<Float>) { rows.scoreAll(user: user, into: scores) }

    func predict(user: Int32, item: Int32) -> Float { rows.predict(user: user, item: item) }
}
