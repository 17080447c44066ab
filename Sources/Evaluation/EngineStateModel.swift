import Engine
import Models

/// A saved engine state scored as it stands (`eval --model engine --set state=FILE`): the
/// checkpoint a daemon or `streamrec demo --save-state` wrote, restored whole (its MF model, its
/// users with their seen items and session windows, its serving session model and fusion), and
/// each user's score row read from the engine's own ranking (`RecommenderCore.scoreRows`). Nothing
/// is trained: the harness's training rows are not used, so the state must not have seen the
/// held-out events (replay only the training part, e.g. each user's events but the last for `loo`).
///
/// Items the engine never saw score lowest; users it does not know get an all-lowest row.
final class EngineStateModel: EvaluableModel {
    private let rows: EngineScoreRows
    /// How many of the data set's items the state knows.
    let knownItems: Int

    /// Restores the state in `path` for the ids of `data`; with `share`, its session model is
    /// fused at that session share instead of the state's fitted fusion.
    init(path: String, data: Interactions, share: Float? = nil) throws {
        guard !path.isEmpty else {
            throw EvaluationError(.invalidOption, "--model engine needs --set state=FILE (a checkpoint: streamrec demo --save-state, or a daemon's state directory)")
        }
        let reader: SnapshotReader
        do { reader = try SnapshotReader(path: path) } catch {
            throw EvaluationError(.invalidOption, "state=\(path): \(error)")
        }
        var configuration = EngineConfiguration()
        // A learned session model in the state is read only by an engine that learns (no round
        // starts here: nothing is applied).
        configuration.session.learning.enabled = true
        configuration.maxUsers = max(configuration.maxUsers, data.users)
        configuration.maxItems = max(configuration.maxItems, data.items)
        let core = try RecommenderCore.restore(from: reader, configuration: configuration).0
        if let reason = core.skippedSessionModel {
            throw EvaluationError(.invalidOption, "state=\(path): \(reason); eval reads states of the default session shape only")
        }
        if let share {
            guard core.replaceSessionFusion(HybridFusion(mfWeight: 1 - share, sessionWeight: share)) else {
                throw EvaluationError(.invalidOption, "fusion=\(share): the state \(path) holds no session model to fuse")
            }
        }
        let engineItem = data.itemIds.map { id in core.items.index(of: id).map { Int($0) } ?? -1 }
        knownItems = engineItem.filter { $0 >= 0 }.count
        rows = EngineScoreRows(core: core, userIds: data.userIds, itemCount: data.items, engineItem: engineItem,
                               missingScore: -Float.greatestFiniteMagnitude)
    }

    /// The restored engine state.
    var core: RecommenderCore { rows.core }

    func scoreAll(user: Int32, into scores: UnsafeMutableBufferPointer<Float>) { rows.scoreAll(user: user, into: scores) }

    func predict(user: Int32, item: Int32) -> Float { rows.predict(user: user, item: item) }
}
