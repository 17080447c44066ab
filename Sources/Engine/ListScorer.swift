import Linalg
import Models

/// Turns users into ranked lists: one sgemm per batch of personal users against the item
/// matrix, item biases added, seen items masked, partial top-K; popularity for cold users.
///
/// Holds its scratch buffers across calls so a refresh allocates only the lists it returns.
final class ListScorer {
    let topK: Int
    let factors: Int
    let batchSize: Int
    private var selector: TopKSelector
    private var userBlock: UnsafeMutablePointer<Float>
    private var scores: UnsafeMutablePointer<Float>
    private var scoreCapacity: Int
    /// Upper bound on the score buffer (floats), so huge catalogs shrink the batch instead.
    private let maxScoreFloats = 16 << 20

    init(topK: Int, factors: Int, batchSize: Int) {
        self.topK = topK
        self.factors = factors
        self.batchSize = max(1, batchSize)
        selector = TopKSelector(capacity: max(topK, 100) + 64)
        userBlock = .allocate(capacity: self.batchSize * factors)
        scoreCapacity = 0
        scores = .allocate(capacity: 1)
    }

    deinit {
        userBlock.deallocate()
        scores.deallocate()
    }

    /// Ranks `users` and hands each list, best first, to `body`.
    func rank(users: [Int32], core: RecommenderCore, k: Int? = nil,
              _ body: (Int32, [(index: Int, score: Float)]) -> Void) {
        let k = min(k ?? topK, selector.capacity - 64)
        let model = core.model
        let itemCount = core.items.count
        guard itemCount > 0 else { return }

        var personal: [Int32] = []
        personal.reserveCapacity(users.count)
        var cold: [Int32] = []
        for user in users {
            if core.isPersonal(user) { personal.append(user) } else { cold.append(user) }
        }

        if !cold.isEmpty {
            // Cold users have seen few items: the popular top k + 16 usually leaves k unseen ones;
            // when it does not, rank the whole catalog for that user.
            let reach = min(k + 16, selector.capacity)
            let popular = core.popularity.withScores { selector.select($0, k: reach) }
            for user in cold {
                let seen = core.table.seen[Int(user)]
                var list = Array(popular.lazy.filter { !seen.contains(Int32($0.index)) }.prefix(k))
                if list.count < k && popular.count == reach {
                    list = core.popularity.withScores { selector.select($0, k: k) { seen.contains(Int32($0)) } }
                }
                body(user, list)
            }
        }

        guard !personal.isEmpty else { return }
        let batch = max(1, min(batchSize, maxScoreFloats / itemCount))
        ensureScoreCapacity(batch * itemCount)
        let d = factors
        let explicit = model.configuration.feedback == .explicit
        var start = 0
        while start < personal.count {
            let end = min(start + batch, personal.count)
            let m = end - start
            for (row, user) in personal[start..<end].enumerated() {
                (userBlock + row * d).update(from: model.userFactors.row(Int(user)), count: d)
            }
            // Item biases enter through beta = 1: each score row starts as a copy of them.
            model.itemBias.withUnsafeBufferPointer { bias in
                for row in 0..<m { (scores + row * itemCount).update(from: bias.baseAddress!, count: itemCount) }
            }
            BLAS.gemmABt(m: m, n: itemCount, k: d, a: userBlock, lda: d,
                         b: model.itemFactors.base, ldb: d, beta: 1, c: scores, ldc: itemCount)
            for row in 0..<m {
                let user = Int(personal[start + row])
                // A per-user constant does not change the order: added to the chosen few only.
                let offset = explicit ? model.globalMean + model.userBias[user] : model.userBias[user]
                let line = scores + row * itemCount
                for item in core.table.seen[user] { line[Int(item)] = -.infinity }
                var ranked = selector.select(UnsafeBufferPointer(start: line, count: itemCount), k: k)
                if offset != 0 { for j in ranked.indices { ranked[j].score += offset } }
                body(personal[start + row], ranked)
            }
            start = end
        }
    }

    private func ensureScoreCapacity(_ floats: Int) {
        guard floats > scoreCapacity else { return }
        scores.deallocate()
        scoreCapacity = max(floats, scoreCapacity * 2)
        scores = .allocate(capacity: scoreCapacity)
    }
}
