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
    let core: RecommenderCore
    private let userIds: [String]
    /// Engine item row of each data set item (-1: unknown to the engine).
    private let engineItem: [Int]
    private let itemCount: Int
    /// Scores of users `cacheStart ..< cacheStart + cacheCount`, in data set item order.
    private var cache: [Float] = []
    private var cacheStart = 0
    private var cacheCount = 0
    static let batch = 128

    /// Restores the state in `path` for the ids of `data`.
    init(path: String, data: Interactions) throws {
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
        let restored = try RecommenderCore.restore(from: reader, configuration: configuration).0
        core = restored
        userIds = data.userIds
        itemCount = data.items
        engineItem = data.itemIds.map { id in restored.items.index(of: id).map { Int($0) } ?? -1 }
    }

    /// How many of the data set's items and users the state knows.
    var knownItems: Int { engineItem.filter { $0 >= 0 }.count }

    func scoreAll(user: Int32, into scores: UnsafeMutableBufferPointer<Float>) {
        let u = Int(user)
        if u < cacheStart || u >= cacheStart + cacheCount { fill(from: u) }
        let offset = (u - cacheStart) * itemCount
        cache.withUnsafeBufferPointer { rows in
            _ = scores.update(fromContentsOf: rows[offset..<(offset + itemCount)])
        }
    }

    func predict(user: Int32, item: Int32) -> Float {
        var row = [Float](repeating: 0, count: itemCount)
        row.withUnsafeMutableBufferPointer { scoreAll(user: user, into: $0) }
        return row[Int(item)]
    }

    private func fill(from first: Int) {
        let ids = Array(userIds[first..<min(userIds.count, first + Self.batch)])
        cacheStart = first
        cacheCount = ids.count
        let n = itemCount
        if cache.count < Self.batch * n { cache = [Float](repeating: 0, count: Self.batch * n) }
        cache.withUnsafeMutableBufferPointer { out in
            out.update(repeating: -Float.greatestFiniteMagnitude)
            core.scoreRows(forUsers: ids) { k, row in
                let target = out.baseAddress! + k * n
                for (i, e) in engineItem.enumerated() where e >= 0 { target[i] = row[e] }
            }
        }
    }
}
