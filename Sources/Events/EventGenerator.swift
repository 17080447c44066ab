import LinalgCore

/// A deterministic synthetic event stream with structure a model can find:
/// - latent tastes: users and items carry rank-`r` Gaussian factors; each user's non-habit,
///   non-popular picks come from their best items by planted score (biased toward the top);
/// - popularity: items are Zipf-popular in a random order;
/// - sequential habits: every item has a planted successor (one random cycle over all items),
///   and after item `a` a user's next item is `successor(a)` with `habitProbability`.
/// Per event work is O(log items + tasteCandidates) amortised: a user's taste list is built
/// once, on their first event, in O(items · rank).
public struct EventGenerator: Sendable {
    /// The (clamped) configuration in use.
    public let configuration: GeneratorConfiguration

    private var rng: SeededGenerator
    private let userFactors: [Float]
    private let itemFactors: [Float]
    /// `itemFactors` transposed: `rank x items`.
    private let itemFactorsByRank: [Float]
    private let successors: [Int32]
    private let popularOrder: [Int32]
    /// Inverse of `popularOrder`.
    private let popularityRanks: [Int32]
    private let itemPopularity: ZipfSampler
    private let userActivity: ZipfSampler
    private let userOrder: [Int32]
    private let typeCumulative: (Double, Double, Double)
    /// Flat `users x tasteCandidates` lists, filled on a user's first event.
    private var candidates: [Int32]
    private var hasCandidates: [Bool]
    private var lastItem: [Int32]
    private var clock: Int64

    /// Builds the planted structure from `configuration.seed`.
    public init(configuration: GeneratorConfiguration = GeneratorConfiguration()) {
        var c = configuration
        c.users = max(c.users, 1)
        c.items = max(c.items, 2)
        c.rank = max(c.rank, 1)
        c.popularitySkew = max(c.popularitySkew, 0)
        c.userActivitySkew = max(c.userActivitySkew, 0)
        c.habitProbability = min(max(c.habitProbability, 0), 1)
        c.popularityMix = min(max(c.popularityMix, 0), 1)
        c.ratingFraction = min(max(c.ratingFraction, 0), 1)
        c.tasteCandidates = min(max(c.tasteCandidates, 1), c.items)
        c.meanGapMs = max(c.meanGapMs, 1)
        for share in [\GeneratorConfiguration.viewShare, \.clickShare, \.cartShare, \.purchaseShare] {
            c[keyPath: share] = max(c[keyPath: share], 0)
        }
        if c.viewShare + c.clickShare + c.cartShare + c.purchaseShare == 0 { c.clickShare = 1 }
        self.configuration = c

        var setup = SeededGenerator(seed: c.seed)
        userFactors = (0..<(c.users * c.rank)).map { _ in Float(setup.nextGaussianDouble()) }
        let factors = (0..<(c.items * c.rank)).map { _ in Float(setup.nextGaussianDouble()) }
        itemFactors = factors
        var transposed = [Float](repeating: 0, count: factors.count)
        for j in 0..<c.items { for k in 0..<c.rank { transposed[k * c.items + j] = factors[j * c.rank + k] } }
        itemFactorsByRank = transposed
        let cycle = Self.permutation(c.items, &setup)
        var succ = [Int32](repeating: 0, count: c.items)
        for k in 0..<c.items { succ[Int(cycle[k])] = cycle[(k + 1) % c.items] }
        successors = succ
        let order = Self.permutation(c.items, &setup)
        var ranks = [Int32](repeating: 0, count: c.items)
        for (rank, item) in order.enumerated() { ranks[Int(item)] = Int32(rank) }
        popularOrder = order
        popularityRanks = ranks
        userOrder = Self.permutation(c.users, &setup)
        itemPopularity = ZipfSampler(count: c.items, exponent: c.popularitySkew)
        userActivity = ZipfSampler(count: c.users, exponent: c.userActivitySkew)
        let total = c.viewShare + c.clickShare + c.cartShare + c.purchaseShare
        typeCumulative = (c.viewShare / total, (c.viewShare + c.clickShare) / total,
                          (c.viewShare + c.clickShare + c.cartShare) / total)
        candidates = []
        hasCandidates = [Bool](repeating: false, count: c.users)
        lastItem = [Int32](repeating: -1, count: c.users)
        clock = c.startTimestampMs
        rng = SeededGenerator(seed: c.seed ^ 0x5EED_0F_E7E9_75)
    }

    private static func permutation(_ n: Int, _ rng: inout SeededGenerator) -> [Int32] {
        var p = (0..<n).map { Int32($0) }
        if n > 1 {
            for i in stride(from: n - 1, to: 0, by: -1) { p.swapAt(i, rng.nextInt(below: i + 1)) }
        }
        return p
    }

    // MARK: Ground truth

    /// The string id of user `index` (`"u17"`).
    public func userId(_ index: Int) -> String { "u" + String(index) }
    /// The string id of item `index` (`"i42"`).
    public func itemId(_ index: Int) -> String { "i" + String(index) }
    /// The index in a user id made by `userId(_:)`, or nil.
    public static func userIndex(_ id: String) -> Int? { id.hasPrefix("u") ? Int(id.dropFirst()) : nil }
    /// The index in an item id made by `itemId(_:)`, or nil.
    public static func itemIndex(_ id: String) -> Int? { id.hasPrefix("i") ? Int(id.dropFirst()) : nil }

    /// The planted successor of `item`: after it, users move to this item with `habitProbability`.
    public func successor(ofItem item: Int) -> Int { Int(successors[item]) }

    /// The planted score of `item` for `user` (dot product of factors over sqrt(rank)).
    public func score(user: Int, item: Int) -> Float {
        let r = configuration.rank
        let scale = 1 / Float(r).squareRoot()
        var s: Float = 0 // same operations, in the same order, as `tasteTopItems`
        for k in 0..<r { s += (userFactors[user * r + k] * scale) * itemFactors[item * r + k] }
        return s
    }

    /// The `count` items with the highest planted score for `user`, best first.
    public func tasteTopItems(user: Int, count: Int) -> [Int] {
        let n = min(max(count, 0), configuration.items)
        let r = configuration.rank
        let items = configuration.items
        let scale = 1 / Float(r).squareRoot()
        var scores = [Float](repeating: 0, count: items)
        // Item-major factors: each pass is a contiguous, vectorisable axpy over all items.
        scores.withUnsafeMutableBufferPointer { out in
            itemFactorsByRank.withUnsafeBufferPointer { vt in
                for k in 0..<r {
                    let weight = userFactors[user * r + k] * scale
                    let row = vt.baseAddress! + k * items
                    for j in 0..<items { out[j] += weight * row[j] }
                }
            }
        }
        // Ties rank the lower item first.
        var selector = TopKSelector(capacity: n)
        return scores.withUnsafeBufferPointer { selector.select($0, k: n).map(\.index) }
    }

    /// Popularity rank of each item (0: most popular) as planted.
    public func popularityRank(ofItem item: Int) -> Int {
        Int(popularityRanks[item])
    }

    // MARK: Stream

    /// The next event; timestamps strictly increase.
    public mutating func next() -> Event {
        let c = configuration
        let user = Int(userOrder[userActivity.sample(&rng)])
        let previous = lastItem[user]
        let item: Int
        if previous >= 0 && rng.nextUnitDouble() < c.habitProbability {
            item = Int(successors[Int(previous)])
        } else if rng.nextUnitDouble() < c.popularityMix {
            item = Int(popularOrder[itemPopularity.sample(&rng)])
        } else {
            item = tastePick(user)
        }
        lastItem[user] = Int32(item)
        clock += 1 + Int64(rng.nextInt(below: Int(2 * c.meanGapMs)))
        var type: EventType
        var value: Float?
        if c.ratingFraction > 0 && rng.nextUnitDouble() < c.ratingFraction {
            type = .rating
            let raw = 3 + 1.2 * Double(score(user: user, item: item)) + 0.5 * rng.nextGaussianDouble()
            value = Float(min(max(raw.rounded(), 1), 5))
        } else {
            let u = rng.nextUnitDouble()
            type = u < typeCumulative.0 ? .view : u < typeCumulative.1 ? .click : u < typeCumulative.2 ? .cart : .purchase
        }
        return Event(user: userId(user), item: itemId(item), type: type, value: value, timestampMs: clock)
    }

    /// The next `count` events.
    public mutating func generate(count: Int) -> [Event] {
        var out: [Event] = []
        out.reserveCapacity(max(count, 0))
        for _ in 0..<max(count, 0) { out.append(next()) }
        return out
    }

    /// A pick from the user's taste list, biased toward its best entries.
    private mutating func tastePick(_ user: Int) -> Int {
        let m = configuration.tasteCandidates
        if !hasCandidates[user] {
            if candidates.isEmpty { candidates = [Int32](repeating: 0, count: configuration.users * m) }
            let best = tasteTopItems(user: user, count: m)
            for k in 0..<m { candidates[user * m + k] = Int32(best[k]) }
            hasCandidates[user] = true
        }
        let u = rng.nextUnitDouble()
        let position = min(Int(u * u * Double(m)), m - 1)
        return Int(candidates[user * m + position])
    }
}
