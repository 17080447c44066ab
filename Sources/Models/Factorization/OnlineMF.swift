import Linalg

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Matrix factorization learned one event at a time; the learner the daemon runs per event and
/// the offline evaluation replays (same code).
///
/// * explicit feedback: biased MF, `r̂ = μ + b_u + b_i + p_u·q_i`, one SGD step on
///   `½(r − r̂)² + ½λ_u|p_u|² + ½λ_i|q_i|² + ½λ_b(b_u² + b_i²)` (Koren, Bell, Volinsky 2009).
/// * implicit feedback: `s = b_u + b_i + p_u·q_i`, one SGD step on the logistic loss of one positive
///   with weight `value` and `negativeSamples` uniformly sampled negatives, all gradients taken at
///   the parameters before the step.
///
/// With ``OnlineMFConfiguration/frequencyAdaptive`` the penalty of a row touched for the `n`-th
/// time is `λ/√n` (biases likewise). `update` allocates nothing: the user gradient and the
/// negatives live in scratch buffers made at init. Not thread-safe: one owner calls it.
/// The same calls in the same order with the same seed give bit-identical state. Its per-event
/// state skips runtime exclusivity checks (`@exclusivity(unchecked)`): one owner at a time.
public final class OnlineMF {
    /// The hyper-parameters this learner runs with.
    public let configuration: OnlineMFConfiguration
    /// User vectors, one row per user index.
    public let userFactors: FactorMatrix
    /// Item vectors, one row per item index.
    public let itemFactors: FactorMatrix
    /// Learned user biases.
    @exclusivity(unchecked) public internal(set) var userBias: [Float]
    /// Learned item biases.
    @exclusivity(unchecked) public internal(set) var itemBias: [Float]
    /// Events learned per user.
    @exclusivity(unchecked) public internal(set) var userCount: [Int32]
    /// Events learned per item (as a positive).
    @exclusivity(unchecked) public internal(set) var itemCount: [Int32]
    /// Mean of every explicit value learned so far (0 for implicit feedback).
    @exclusivity(unchecked) public internal(set) var globalMean: Float
    /// Number of events learned.
    @exclusivity(unchecked) public internal(set) var eventCount: Int64

    @exclusivity(unchecked) var rng: SeededGenerator
    /// Where the rows of items this learner changes are noted (nil: not noted). Item state
    /// shared between instances publishes the changes of the rows noted here.
    public var itemChanges: ItemChangeJournal?
    /// Where every change to an item row is noted, whoever made it: this learner's steps, another
    /// learner's shared change (`addToItem`) and side information (`setItem`); nil: not noted.
    /// A reader that keeps a copy of the item rows brings only these rows up to date.
    public var itemRowChanges: ItemChangeJournal?
    private let gradient: UnsafeMutablePointer<Float>
    private let negatives: UnsafeMutablePointer<Int32>
    /// Negatives of replayed steps with their own count (grown on demand).
    private var replayNegatives: UnsafeMutablePointer<Int32> = .allocate(capacity: 1)
    private var replayNegativeCapacity = 1

    /// Number of user rows.
    public var users: Int { userFactors.rows }
    /// Number of item rows.
    public var items: Int { itemFactors.rows }
    /// The latent dimension.
    public var factors: Int { configuration.factors }

    /// Creates an empty learner (no users, no items).
    public init(configuration: OnlineMFConfiguration) {
        precondition(configuration.factors > 0, "OnlineMF needs at least one factor")
        self.configuration = configuration
        userFactors = FactorMatrix(cols: configuration.factors)
        itemFactors = FactorMatrix(cols: configuration.factors)
        userBias = []
        itemBias = []
        userCount = []
        itemCount = []
        globalMean = 0
        eventCount = 0
        rng = SeededGenerator(seed: configuration.seed)
        gradient = .allocate(capacity: configuration.factors)
        gradient.initialize(repeating: 0, count: configuration.factors)
        negatives = .allocate(capacity: max(1, configuration.negativeSamples))
        negatives.initialize(repeating: 0, count: max(1, configuration.negativeSamples))
    }

    deinit {
        gradient.deallocate()
        negatives.deallocate()
        replayNegatives.deallocate()
    }

    /// Reserves room for `users` and `items` rows so later `add*` calls do not reallocate.
    public func reserve(users: Int, items: Int) {
        userFactors.reserve(users)
        itemFactors.reserve(items)
        userBias.reserveCapacity(users)
        userCount.reserveCapacity(users)
        itemBias.reserveCapacity(items)
        itemCount.reserveCapacity(items)
    }

    /// Appends a user with a random vector (Gaussian, `initStd`) and zero bias; returns its index.
    @discardableResult
    public func addUser() -> Int32 { addUser(random: true) }

    /// Appends a user with a random vector (`random: false` leaves it zero, for a caller that
    /// sets it next) and zero bias; returns its index.
    @discardableResult
    public func addUser(random: Bool) -> Int32 {
        let index = userFactors.appendRow { if random { fillRandom($0.baseAddress!) } }
        userBias.append(0)
        userCount.append(0)
        return Int32(index)
    }

    /// Appends an item with a random vector and zero bias; returns its index.
    @discardableResult
    public func addItem() -> Int32 {
        let index = itemFactors.appendRow { fillRandom($0.baseAddress!) }
        itemBias.append(0)
        itemCount.append(0)
        return Int32(index)
    }

    /// Appends an item whose vector is drawn from a generator seeded by `seed` (mixed with the
    /// configured seed) instead of the learner's own: every learner with the same configuration
    /// gives the same item the same start, whatever the order items arrive in. Returns its index.
    @discardableResult
    public func addItem(seed: UInt64) -> Int32 {
        var local = SeededGenerator(seed: seed ^ (configuration.seed &* 0x9E37_79B9_7F4A_7C15))
        let std = configuration.initStd
        let index = itemFactors.appendRow { row in
            for k in 0..<configuration.factors { row[k] = std * local.nextGaussian() }
        }
        itemBias.append(0)
        itemCount.append(0)
        return Int32(index)
    }

    /// Fills one new row with Gaussian values of standard deviation `initStd` (one RNG draw per
    /// factor, in order, so every way of making a row consumes the generator alike).
    func fillRandom(_ row: UnsafeMutablePointer<Float>) {
        let std = configuration.initStd
        for k in 0..<configuration.factors { row[k] = std * rng.nextGaussian() }
    }

    /// The model's score for a pair: the rating estimate (explicit) or the logit (implicit).
    @inlinable
    public func predict(user: Int32, item: Int32) -> Float {
        let d = configuration.factors
        let dot = VectorOps.dot(d, userFactors.row(Int(user)), itemFactors.row(Int(item)))
        switch configuration.feedback {
        case .explicit: return globalMean + userBias[Int(user)] + itemBias[Int(item)] + dot
        case .implicit: return userBias[Int(user)] + itemBias[Int(item)] + dot
        }
    }

    /// Learns one event. explicit: one SGD step on the rating (Koren 2009); implicit: one positive
    /// with weight `value` and `negativeSamples` sampled negatives, logistic loss.
    /// Returns the prediction made BEFORE the update (see ``predict(user:item:)``).
    @discardableResult
    public func update(user: Int32, item: Int32, value: Float) -> Float {
        precondition(Int(user) < users && Int(item) < items && user >= 0 && item >= 0, "OnlineMF.update: index out of range")
        switch configuration.feedback {
        case .explicit:
            return explicitStep(user: Int(user), item: Int(item), rating: value, updateMean: true)
        case .implicit:
            let count = sampleNegatives(excluding: item, into: negatives)
            return implicitStep(user: Int(user), item: Int(item), weight: value,
                                negatives: UnsafeBufferPointer(start: negatives, count: count))
        }
    }

    /// Learns a past event again (experience replay): the same step as ``update(user:item:value:)``
    /// but counts, μ and event totals are left alone, so replaying does not inflate frequencies.
    public func replay(user: Int32, item: Int32, value: Float) {
        precondition(Int(user) < users && Int(item) < items && user >= 0 && item >= 0, "OnlineMF.replay: index out of range")
        switch configuration.feedback {
        case .explicit:
            explicitStep(user: Int(user), item: Int(item), rating: value, updateMean: false, countEvent: false)
        case .implicit:
            replay(user: user, item: item, value: value, negatives: configuration.negativeSamples)
        }
    }

    /// Learns a past event again, as ``replay(user:item:value:)``; an implicit one with `negatives`
    /// sampled negatives instead of the configured count (the quiet-stream passes sample more).
    public func replay(user: Int32, item: Int32, value: Float, negatives count: Int) {
        precondition(Int(user) < users && Int(item) < items && user >= 0 && item >= 0, "OnlineMF.replay: index out of range")
        guard configuration.feedback == .implicit else {
            explicitStep(user: Int(user), item: Int(item), rating: value, updateMean: false, countEvent: false)
            return
        }
        if count > replayNegativeCapacity {
            replayNegatives.deallocate()
            replayNegativeCapacity = count
            replayNegatives = .allocate(capacity: count)
        }
        let sampled = sampleNegatives(excluding: item, into: replayNegatives, count: count)
        implicitStep(user: Int(user), item: Int(item), weight: value,
                     negatives: UnsafeBufferPointer(start: replayNegatives, count: sampled), countEvent: false)
    }

    /// Implicit step with caller-chosen negatives (e.g. items the caller knows are unseen).
    /// Same loss as ``update(user:item:value:)``; ignores the configured feedback kind.
    @discardableResult
    public func update(user: Int32, item: Int32, value: Float, negatives: UnsafeBufferPointer<Int32>) -> Float {
        precondition(Int(user) < users && Int(item) < items && user >= 0 && item >= 0, "OnlineMF.update: index out of range")
        return implicitStep(user: Int(user), item: Int(item), weight: value, negatives: negatives)
    }

    /// Writes the score of every item for `user` into `scores` (`scores.count >= items`), one BLAS gemv.
    public func scoreAll(user: Int32, into scores: UnsafeMutableBufferPointer<Float>) {
        precondition(scores.count >= items, "OnlineMF.scoreAll: buffer too small")
        let n = items
        guard n > 0, let out = scores.baseAddress else { return }
        let offset: Float = configuration.feedback == .explicit ? globalMean + userBias[Int(user)] : userBias[Int(user)]
        itemBias.withUnsafeBufferPointer { bias in
            out.update(from: bias.baseAddress!, count: n)
        }
        BLAS.gemv(trans: false, m: n, n: factors, alpha: 1, a: itemFactors.base, lda: factors,
                  x: userFactors.row(Int(user)), beta: 1, y: out)
        if offset != 0 { for j in 0..<n { out[j] += offset } }
    }

    // MARK: - Steps

    @inline(__always)
    func rateScale(_ count: Int32) -> Float {
        configuration.rateBoost == 0 ? 1 : 1 + configuration.rateBoost / Float(max(count, 1)).squareRoot()
    }

    @inline(__always)
    func penaltyScale(_ count: Int32) -> Float {
        configuration.frequencyAdaptive ? 1 / Float(max(count, 1)).squareRoot() : 1
    }

    /// One explicit SGD step; `updateMean` false keeps μ fixed (batch training sets it once).
    @discardableResult
    func explicitStep(user u: Int, item i: Int, rating: Float, updateMean: Bool, learningRate: Float? = nil,
                      countEvent: Bool = true) -> Float {
        let d = configuration.factors
        let lr = learningRate ?? configuration.learningRate
        let pu = userFactors.row(u), qi = itemFactors.row(i)
        let prediction = globalMean + userBias[u] + itemBias[i] + VectorOps.dot(d, pu, qi)
        let e = rating - prediction
        if countEvent {
            userCount[u] &+= 1
            itemCount[i] &+= 1
        }
        itemChanges?.mark(i)
        itemRowChanges?.mark(i)
        let su = penaltyScale(userCount[u]), si = penaltyScale(itemCount[i])
        let lu = configuration.regularization * su, li = configuration.regularization * si
        let lru = lr * rateScale(userCount[u]), lri = lr * rateScale(itemCount[i])
        if configuration.useBiases {
            let bu = userBias[u], bi = itemBias[i]
            let shrink = configuration.biasShrinkage
            let bri = shrink > 0 ? 1 / (Float(itemCount[i]) + shrink) : lri
            userBias[u] = bu + lru * (e - configuration.biasRegularization * su * bu)
            itemBias[i] = bi + bri * (e - configuration.biasRegularization * si * bi)
        }
        let fs = configuration.factorRateScale
        let au = 1 - fs * lru * lu, ai = 1 - fs * lri * li, leu = fs * lru * e, lei = fs * lri * e
        for k in 0..<d {
            let p = pu[k], q = qi[k]
            pu[k] = au * p + leu * q
            qi[k] = ai * q + lei * p
        }
        if countEvent { eventCount &+= 1 }
        if updateMean { globalMean += (rating - globalMean) / Float(eventCount) }
        return prediction
    }

    /// One implicit logistic step for a positive and the given negatives; returns the positive's logit before it.
    @discardableResult
    func implicitStep(user u: Int, item i: Int, weight: Float, negatives: UnsafeBufferPointer<Int32>,
                      learningRate: Float? = nil, countEvent: Bool = true, loss: UnsafeMutablePointer<Float>? = nil) -> Float {
        let d = configuration.factors
        let lr = learningRate ?? configuration.learningRate
        let pu = userFactors.row(u)
        let bu = userBias[u]
        let qi = itemFactors.row(i)
        let logit = bu + itemBias[i] + VectorOps.dot(d, pu, qi)
        if countEvent {
            userCount[u] &+= 1
            itemCount[i] &+= 1
        }
        let journal = itemChanges, rowJournal = itemRowChanges
        journal?.mark(i)
        rowJournal?.mark(i)
        let lb = configuration.biasRegularization, reg = configuration.regularization
        let g = gradient
        // Positive: −dL/ds = w·(1 − σ(s)).
        let gp = weight * (1 - Self.sigmoid(logit))
        if let loss { loss.pointee = weight * Self.softplus(-logit) }
        for k in 0..<d { g[k] = gp * qi[k] }
        var biasGradient = gp
        let si = penaltyScale(itemCount[i])
        VectorOps.scaleAdd(d, 1 - lr * reg * si, qi, lr * gp, pu)
        if configuration.useBiases { itemBias[i] += lr * (gp - lb * si * itemBias[i]) }
        // Negatives: −dL/ds_j = −w⁻·σ(s_j).
        let wn = configuration.negativeWeight
        for j in negatives {
            let jj = Int(j)
            journal?.mark(jj)
            rowJournal?.mark(jj)
            let qj = itemFactors.row(jj)
            let sj = bu + itemBias[jj] + VectorOps.dot(d, pu, qj)
            let gn = -wn * Self.sigmoid(sj)
            if let loss { loss.pointee += wn * Self.softplus(sj) }
            VectorOps.axpy(d, gn, qj, g)
            biasGradient += gn
            let sj2 = penaltyScale(itemCount[jj])
            VectorOps.scaleAdd(d, 1 - lr * reg * sj2, qj, lr * gn, pu)
            if configuration.useBiases { itemBias[jj] += lr * (gn - lb * sj2 * itemBias[jj]) }
        }
        let su = penaltyScale(userCount[u])
        if configuration.useBiases { userBias[u] = bu + lr * (biasGradient - lb * su * bu) }
        VectorOps.scaleAdd(d, 1 - lr * reg * su, pu, lr, g)
        if countEvent { eventCount &+= 1 }
        return logit
    }

    /// Fills the negative scratch with uniform items other than `positive`; returns how many.
    func sampleNegatives(excluding positive: Int32, into negatives: UnsafeMutablePointer<Int32>, count: Int? = nil) -> Int {
        let n = items
        guard n > 1 else { return 0 }
        let count = count ?? configuration.negativeSamples
        for s in 0..<count {
            var j = Int32(rng.nextInt(below: n))
            if j == positive { j = Int32((Int(j) + 1 + rng.nextInt(below: n - 1)) % n) }
            negatives[s] = j
        }
        return count
    }

    /// `log(1 + eˣ)`, stable for large |x| (the logistic loss of a negative with logit x).
    @inline(__always)
    static func softplus(_ x: Float) -> Float {
        x > 0 ? x + log1pf(expf(-x)) : log1pf(expf(x))
    }

    /// Numerically stable logistic function.
    @inline(__always)
    static func sigmoid(_ x: Float) -> Float {
        if x >= 0 { return 1 / (1 + expf(-x)) }
        let e = expf(x)
        return e / (1 + e)
    }

    // MARK: - Batch helpers (same module)

    /// Sets μ and the event count directly (batch training fixes μ to the training mean).
    func setGlobalMean(_ mean: Float) { globalMean = mean }

    /// Overwrites every piece of state from a snapshot's arrays (used by `init(snapshot:)`).
    func restore(_ s: OnlineMFSnapshot) {
        userFactors.load(s.userFactors)
        itemFactors.load(s.itemFactors)
        userBias = s.userBias
        itemBias = s.itemBias
        userCount = s.userCount
        itemCount = s.itemCount
        globalMean = s.globalMean
        eventCount = s.eventCount
        rng = SeededGenerator(rawState: s.rngState)
    }
}
