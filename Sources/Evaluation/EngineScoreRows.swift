import Engine

/// An engine state's score rows as the harness asks for them: one user at a time, in ascending
/// order, in the data set's item order. Rows come from `RecommenderCore.scoreRows` a batch of users
/// at a time and are cached; `engineItem` maps each data set item to its engine row (nil: the
/// same order), and items the engine does not know get `missingScore`.
final class EngineScoreRows {
    let core: RecommenderCore
    private let userIds: [String]
    private let itemCount: Int
    private let engineItem: [Int]?
    private let missingScore: Float
    /// Rows of users `cacheStart ..< cacheStart + cacheCount`, `itemCount` floats each.
    private var cache: [Float] = []
    private var cacheStart = 0
    private var cacheCount = 0
    /// Users scored per engine call.
    static let batch = 128

    init(core: RecommenderCore, userIds: [String], itemCount: Int, engineItem: [Int]? = nil, missingScore: Float = 0) {
        self.core = core
        self.userIds = userIds
        self.itemCount = itemCount
        self.engineItem = engineItem
        self.missingScore = missingScore
    }

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

    /// Scores users `first ..< first + batch` into the cache.
    private func fill(from first: Int) {
        let ids = Array(userIds[first..<min(userIds.count, first + Self.batch)])
        cacheStart = first
        cacheCount = ids.count
        let n = itemCount
        // One buffer for every batch (the last one may be shorter).
        if cache.count < Self.batch * n { cache = [Float](repeating: 0, count: Self.batch * n) }
        let map = engineItem
        cache.withUnsafeMutableBufferPointer { out in
            out.update(repeating: missingScore)
            core.scoreRows(forUsers: ids) { k, row in
                let target = out.baseAddress! + k * n
                if let map {
                    for (i, e) in map.enumerated() where e >= 0 { target[i] = row[e] }
                } else {
                    target.update(from: row.baseAddress!, count: n)
                }
            }
        }
    }
}
