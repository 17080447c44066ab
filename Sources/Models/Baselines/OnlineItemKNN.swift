/// Item-based k-nearest-neighbour rating predictor learned one event at a time (Koren 2008's
/// baseline-plus-neighbourhood estimate, kept incrementally).
///
/// `r̂_ui = b_ui + Σ_{j∈N_k(i;u)} s_ij (r_uj − b_uj) / Σ_{j∈N_k(i;u)} s_ij`, where the baseline
/// `b_ui = μ + b_u + b_i` uses shrunk running means (`b_i = Σ(r − μ)/(n_i + λ_i)`,
/// `b_u = Σ(r − μ − b_i)/(n_u + λ_u)`), and `s_ij` is the Pearson correlation of the two items'
/// baseline residuals over the users who rated both, shrunk by `n_ij/(n_ij + shrinkage)`;
/// `N_k(i;u)` is the `k` most similar items among those `u` has rated (positive similarities).
///
/// Pair statistics are dense item × item tables (three Floats per pair), so this model is meant
/// for catalogs of a few thousand items (offline evaluation); each event costs O(|history of u|).
/// Ranking scores are the baseline alone (the neighbour term is per pair). Not thread-safe.
public final class OnlineItemKNN {
    /// Neighbours used per prediction.
    public let neighbours: Int
    /// Damping of similarities supported by few co-raters.
    public let shrinkage: Float
    /// Shrinkage of the item and user bias means.
    public let itemBiasShrinkage: Float, userBiasShrinkage: Float
    /// Largest item count the dense pair tables may grow to.
    public let maxItems: Int

    /// Running mean of every rating learned.
    public private(set) var globalMean: Float = 0
    private var eventCount: Int64 = 0
    private var itemSum: [Float] = [], itemCount: [Float] = []
    private var userSum: [Float] = [], userCount: [Float] = []
    private var historyItems: [[Int32]] = [], historyValues: [[Float]] = []
    /// Pair tables, row-major with stride `capacity`: Σ z_i z_j, Σ z_i² (over co-raters, i's side), co-rater count.
    private var cross: [Float] = [], square: [Float] = [], together: [Float] = []
    private var capacity = 0
    private var candidates: [(similarity: Float, residual: Float)] = []

    /// Creates an empty predictor.
    public init(neighbours: Int = 40, shrinkage: Float = 100, itemBiasShrinkage: Float = 25, userBiasShrinkage: Float = 10,
                maxItems: Int = 20_000) {
        self.neighbours = max(1, neighbours)
        self.shrinkage = shrinkage
        self.itemBiasShrinkage = itemBiasShrinkage
        self.userBiasShrinkage = userBiasShrinkage
        self.maxItems = maxItems
    }

    /// Number of items.
    public var items: Int { itemSum.count }
    /// Number of users.
    public var users: Int { userSum.count }

    /// Appends a user; returns its index.
    @discardableResult
    public func addUser() -> Int32 {
        userSum.append(0); userCount.append(0)
        historyItems.append([]); historyValues.append([])
        return Int32(userSum.count - 1)
    }

    /// Appends an item; returns its index. The pair tables grow by doubling.
    @discardableResult
    public func addItem() -> Int32 {
        precondition(items < maxItems, "OnlineItemKNN: more than \(maxItems) items")
        itemSum.append(0); itemCount.append(0)
        if items > capacity { grow(to: min(maxItems, max(64, capacity * 2))) }
        return Int32(items - 1)
    }

    private func grow(to newCapacity: Int) {
        func regrid(_ old: [Float]) -> [Float] {
            var next = [Float](repeating: 0, count: newCapacity * newCapacity)
            for r in 0..<capacity { for c in 0..<capacity { next[r * newCapacity + c] = old[r * capacity + c] } }
            return next
        }
        cross = regrid(cross); square = regrid(square); together = regrid(together)
        capacity = newCapacity
    }

    /// The item's bias (shrunk mean residual).
    public func itemBias(_ i: Int) -> Float { itemSum[i] / (itemCount[i] + itemBiasShrinkage) }

    /// The user's bias (shrunk mean residual after item biases).
    public func userBias(_ u: Int) -> Float { userSum[u] / (userCount[u] + userBiasShrinkage) }

    /// The baseline estimate `μ + b_u + b_i`.
    public func baseline(user u: Int, item i: Int) -> Float { globalMean + userBias(u) + itemBias(i) }

    /// Shrunk residual correlation of items `i` and `j` (0 without co-raters).
    public func similarity(_ i: Int, _ j: Int) -> Float {
        let n = together[i * capacity + j]
        guard n > 0 else { return 0 }
        let denominator = (square[i * capacity + j] * square[j * capacity + i]).squareRoot()
        guard denominator > 0 else { return 0 }
        return cross[i * capacity + j] / denominator * (n / (n + shrinkage))
    }

    /// Rating estimate for a pair.
    public func predict(user: Int32, item: Int32) -> Float {
        let u = Int(user), i = Int(item)
        let userBase = globalMean + userBias(u)
        let base = userBase + itemBias(i)
        candidates.removeAll(keepingCapacity: true)
        let history = historyItems[u], values = historyValues[u]
        for (k, j) in history.enumerated() where Int(j) != i {
            let s = similarity(i, Int(j))
            if s > 0 { candidates.append((s, values[k] - (userBase + itemBias(Int(j))))) }
        }
        guard !candidates.isEmpty else { return base }
        if candidates.count > neighbours {
            candidates.sort { $0.similarity > $1.similarity }
            candidates.removeLast(candidates.count - neighbours)
        }
        var numerator: Float = 0, denominator: Float = 0
        for c in candidates { numerator += c.similarity * c.residual; denominator += c.similarity }
        return base + numerator / denominator
    }

    /// Estimate for an item never seen: the user's baseline without an item bias.
    public func coldItemPrediction(user: Int32) -> Float { globalMean + userBias(Int(user)) }

    /// Learns one rating: biases, then the pair statistics against the user's earlier items, then the history.
    /// Returns the prediction made before learning.
    @discardableResult
    public func update(user: Int32, item: Int32, value: Float) -> Float {
        let prediction = predict(user: user, item: item)
        let u = Int(user), i = Int(item)
        eventCount += 1
        globalMean += (value - globalMean) / Float(eventCount)
        itemSum[i] += value - globalMean; itemCount[i] += 1
        userSum[u] += value - globalMean - itemBias(i); userCount[u] += 1
        let userBase = globalMean + userBias(u)
        let z = value - (userBase + itemBias(i))
        do {
            // Scoped so these references end before the appends below (no copy-on-write copy).
            let history = historyItems[u], values = historyValues[u]
            for (k, j) in history.enumerated() where Int(j) != i {
                let jj = Int(j)
                let zj = values[k] - (userBase + itemBias(jj))
                cross[i * capacity + jj] += z * zj; cross[jj * capacity + i] += z * zj
                square[i * capacity + jj] += z * z; square[jj * capacity + i] += zj * zj
                together[i * capacity + jj] += 1; together[jj * capacity + i] += 1
            }
        }
        historyItems[u].append(item); historyValues[u].append(value)
        return prediction
    }

    /// Baseline scores of every item for `user` (ranking without the neighbour term).
    public func scoreAll(user: Int32, into scores: UnsafeMutableBufferPointer<Float>) {
        let offset = globalMean + userBias(Int(user))
        for j in 0..<min(items, scores.count) { scores[j] = offset + itemBias(j) }
    }
}
