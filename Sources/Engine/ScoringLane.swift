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
        var start = users.startIndex
        while start < users.endIndex {
            let end = min(start + batchSize, users.endIndex)
            for (row, user) in users[start..<end].enumerated() {
                (userBlock + row * d).update(from: model.userFactors.row(Int(user)), count: d)
            }
            model.itemBias.withUnsafeBufferPointer { bias in
                rankBlock(users[start..<end], queries: userBlock, width: d, items: model.itemFactors.base,
                          bias: bias.baseAddress!, seen: seen, blocked: blocked, itemCount: itemCount, k: k)
            }
            // A per-user constant does not change the order: added to the chosen few only.
            for (j, user) in users[start..<end].enumerated() {
                let offset = explicit ? model.globalMean + model.userBias[Int(user)] : model.userBias[Int(user)]
                if offset != 0 { addOffset(offset, toResult: results.count - (end - start) + j) }
            }
            start = end
        }
    }

    /// Ranks `users` by the scores `queries[j] · items[i] + offsets[j]` (`queries`: one row of
    /// `width` floats per user, in the order of `users`; `items`: `itemCount` rows of `width`
    /// floats) into `results`, skipping seen and blocked items. The hybrid ranking's entry: its
    /// queries and item rows hold both sides of the fusion (see `HybridScoring`).
    func rank(users: ArraySlice<Int32>, queries: UnsafePointer<Float>, width: Int, items: UnsafePointer<Float>,
              offsets: UnsafePointer<Float>, seen: [Set<Int32>], blocked: [Bool], itemCount: Int, k: Int) {
        results.removeAll(keepingCapacity: true)
        var start = users.startIndex
        while start < users.endIndex {
            let end = min(start + batchSize, users.endIndex)
            let first = start - users.startIndex
            rankBlock(users[start..<end], queries: queries + first * width, width: width, items: items, bias: nil,
                      seen: seen, blocked: blocked, itemCount: itemCount, k: k)
            for j in 0..<(end - start) where offsets[first + j] != 0 {
                addOffset(offsets[first + j], toResult: results.count - (end - start) + j)
            }
            start = end
        }
    }

    /// One batch (at most `batchSize` users): one sgemm per tile of items (the item biases, when
    /// given, entering through beta = 1), each user's row fed to its selector; appends the lists.
    private func rankBlock(_ users: ArraySlice<Int32>, queries: UnsafePointer<Float>, width: Int,
                           items: UnsafePointer<Float>, bias: UnsafePointer<Float>?, seen: [Set<Int32>],
                           blocked: [Bool], itemCount: Int, k: Int) {
        let m = users.count
        for row in 0..<m { selectors[row].begin(k: k) }
        var first = 0
        while first < itemCount {
            let n = min(tileItems, itemCount - first)
            if let bias {
                // Item biases enter through beta = 1: each score row starts as a copy of them.
                for row in 0..<m { (tile + row * n).update(from: bias + first, count: n) }
            }
            BLAS.gemmABt(m: m, n: n, k: width, a: queries, lda: width,
                         b: items + first * width, ldb: width, beta: bias == nil ? 0 : 1, c: tile, ldc: n)
            for (row, user) in users.enumerated() {
                let userSeen = seen[Int(user)]
                selectors[row].feed(UnsafeBufferPointer(start: tile + row * n, count: n), startIndex: first) {
                    blocked[$0] || userSeen.contains(Int32($0))
                }
            }
            first += n
        }
        for row in 0..<m { results.append(selectors[row].finish()) }
    }

    private func addOffset(_ offset: Float, toResult r: Int) {
        for j in results[r].indices { results[r][j].score += offset }
    }
}
