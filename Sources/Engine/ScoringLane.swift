import Linalg
import Models

/// Ranks personal (MF-only) users against the item matrix one cache-sized tile of items at a
/// time: per batch of users, one single-threaded sgemm per tile writes a `batch × tile` block of
/// scores (item biases entering through beta = 1), and each user's row of the block goes at once
/// into that user's running top-K, skipping seen items. The scores never leave the cache, and the
/// result equals scoring whole rows, masking seen items and selecting once (up to the rounding
/// of each dot product, see `ListScorer`).
///
/// One lane per thread: it owns its scratch buffers and selectors, allocated once.
final class ScoringLane {
    let factors: Int
    let batchSize: Int
    /// Items per tile.
    let tileItems: Int
    private let userBlock: UnsafeMutablePointer<Float>
    private let tile: UnsafeMutablePointer<Float>
    private var selectors: [TopKSelector]
    /// Lists of the last `rank` call, in the order of its users.
    private(set) var results: [[(index: Int, score: Float)]] = []

    /// A lane for batches of up to `batchSize` users of `factors` dimensions, tiles of
    /// `tileItems` items and lists of up to `capacity` entries.
    init(factors: Int, batchSize: Int, tileItems: Int, capacity: Int) {
        self.factors = factors
        self.batchSize = max(1, batchSize)
        self.tileItems = max(16, tileItems)
        userBlock = .allocate(capacity: self.batchSize * factors)
        tile = .allocate(capacity: self.batchSize * self.tileItems)
        selectors = Array(repeating: TopKSelector(capacity: capacity), count: self.batchSize)
    }

    deinit {
        userBlock.deallocate()
        tile.deallocate()
    }

    /// Ranks `users` (all personal, no session) into `results`, best first, `k` items each,
    /// skipping seen items and items whose `blocked` entry is true. Reads the model, the seen
    /// sets and the mask only, so lanes may run on separate threads.
    func rank(users: ArraySlice<Int32>, model: OnlineMF, seen: [Set<Int32>], blocked: [Bool], itemCount: Int, k: Int) {
        results.removeAll(keepingCapacity: true)
        let d = factors
        let explicit = model.configuration.feedback == .explicit
        let items = model.itemFactors.base
        var start = users.startIndex
        while start < users.endIndex {
            let end = min(start + batchSize, users.endIndex)
            let m = end - start
            for (row, user) in users[start..<end].enumerated() {
                (userBlock + row * d).update(from: model.userFactors.row(Int(user)), count: d)
                selectors[row].begin(k: k)
            }
            var first = 0
            while first < itemCount {
                let n = min(tileItems, itemCount - first)
                // Item biases enter through beta = 1: each score row starts as a copy of them.
                model.itemBias.withUnsafeBufferPointer { bias in
                    for row in 0..<m { (tile + row * n).update(from: bias.baseAddress! + first, count: n) }
                }
                BLAS.gemmABt(m: m, n: n, k: d, a: userBlock, lda: d,
                             b: items + first * d, ldb: d, beta: 1, c: tile, ldc: n)
                for row in 0..<m {
                    let userSeen = seen[Int(users[start + row])]
                    selectors[row].feed(UnsafeBufferPointer(start: tile + row * n, count: n), startIndex: first) {
                        blocked[$0] || userSeen.contains(Int32($0))
                    }
                }
                first += n
            }
            for row in 0..<m {
                let user = Int(users[start + row])
                // A per-user constant does not change the order: added to the chosen few only.
                let offset = explicit ? model.globalMean + model.userBias[user] : model.userBias[user]
                var ranked = selectors[row].finish()
                if offset != 0 { for j in ranked.indices { ranked[j].score += offset } }
                results.append(ranked)
            }
            start = end
        }
    }
}
