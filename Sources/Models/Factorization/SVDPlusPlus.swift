import Linalg

/// SVD++ (Koren 2008): biased MF whose user vector is completed by the items the user rated,
/// `r̂ = μ + b_u + b_i + q_i·(p_u + |N(u)|^-½ Σ_{j∈N(u)} y_j)`.
///
/// The implicit part lets a user with few ratings borrow from what the items say about their raters,
/// which pays most for new users (online) and for sparse users (batch). Learned per event
/// (`update`, N(u) = the user's earlier items) or in batch (`train`, N(u) = the user's training items).
public final class SVDPlusPlus {
    /// Hyper-parameters.
    public let configuration: SVDPlusPlusConfiguration
    /// Explicit user factors `p_u`.
    public let userFactors: FactorMatrix
    /// Item factors `q_i`.
    public let itemFactors: FactorMatrix
    /// Implicit item factors `y_j`.
    public let implicitFactors: FactorMatrix
    /// User biases.
    public private(set) var userBias: [Float] = []
    /// Item biases.
    public private(set) var itemBias: [Float] = []
    /// Events learned per user / item.
    public private(set) var userCount: [Int32] = []
    /// Events learned per item.
    public private(set) var itemCount: [Int32] = []
    /// N(u): the distinct items of each user, in order of arrival.
    public private(set) var history: [[Int32]] = []
    /// Global mean.
    public private(set) var globalMean: Float = 0
    private var eventCount: Int64 = 0
    private var rng: SeededGenerator
    private let z: UnsafeMutablePointer<Float>
    private let oldQ: UnsafeMutablePointer<Float>
    private var historySets: [Set<Int32>] = []

    /// Number of users.
    public var users: Int { userFactors.rows }
    /// Number of items.
    public var items: Int { itemFactors.rows }

    /// Creates an empty model.
    public init(configuration: SVDPlusPlusConfiguration) {
        precondition(configuration.factors > 0)
        self.configuration = configuration
        let d = configuration.factors
        userFactors = FactorMatrix(cols: d)
        itemFactors = FactorMatrix(cols: d)
        implicitFactors = FactorMatrix(cols: d)
        rng = SeededGenerator(seed: configuration.seed)
        z = .allocate(capacity: d)
        z.initialize(repeating: 0, count: d)
        oldQ = .allocate(capacity: d)
        oldQ.initialize(repeating: 0, count: d)
    }

    deinit {
        z.deallocate()
        oldQ.deallocate()
    }

    /// Appends a user; returns its index.
    @discardableResult
    public func addUser() -> Int32 {
        let std = configuration.initStd
        let index = userFactors.appendRow { r in for k in 0..<r.count { r[k] = std * rng.nextGaussian() } }
        userBias.append(0)
        userCount.append(0)
        history.append([])
        historySets.append([])
        return Int32(index)
    }

    /// Appends an item; returns its index.
    @discardableResult
    public func addItem() -> Int32 {
        let std = configuration.initStd
        let index = itemFactors.appendRow { r in for k in 0..<r.count { r[k] = std * rng.nextGaussian() } }
        implicitFactors.appendRow { r in for k in 0..<r.count { r[k] = std * rng.nextGaussian() } }
        itemBias.append(0)
        itemCount.append(0)
        return Int32(index)
    }

    /// Fills `z` with `|N(u)|^-½ Σ y_j` and returns the scale `|N(u)|^-½` (0 for an empty history).
    private func implicitSum(_ u: Int) -> Float {
        let d = configuration.factors
        z.update(repeating: 0, count: d)
        let h = history[u]
        guard !h.isEmpty else { return 0 }
        for j in h { VectorOps.axpy(d, 1, implicitFactors.row(Int(j)), z) }
        let s = 1 / Float(h.count).squareRoot()
        for k in 0..<d { z[k] *= s }
        return s
    }

    /// Rating estimate with the user's current history.
    public func predict(user: Int32, item: Int32) -> Float {
        let d = configuration.factors
        _ = implicitSum(Int(user))
        let pu = userFactors.row(Int(user)), qi = itemFactors.row(Int(item))
        var dot: Float = 0
        for k in 0..<d { dot += qi[k] * (pu[k] + z[k]) }
        return globalMean + userBias[Int(user)] + itemBias[Int(item)] + dot
    }

    /// Scores of every item for `user` (rating estimates).
    public func scoreAll(user: Int32, into scores: UnsafeMutableBufferPointer<Float>) {
        let d = configuration.factors
        _ = implicitSum(Int(user))
        let pu = userFactors.row(Int(user))
        for k in 0..<d { z[k] += pu[k] }
        let offset = globalMean + userBias[Int(user)]
        for j in 0..<items { scores[j] = itemBias[j] + offset }
        BLAS.gemv(trans: false, m: items, n: d, a: itemFactors.base, lda: d, x: z, beta: 1, y: scores.baseAddress!)
    }

    /// Learns one rating online: predicts with N(u) = the user's earlier items, takes one SGD step
    /// (biases, p_u, q_i and every y_j of N(u)), then adds the item to N(u). Returns the prediction.
    @discardableResult
    public func update(user: Int32, item: Int32, value: Float) -> Float {
        let u = Int(user), i = Int(item)
        userCount[u] &+= 1
        itemCount[i] &+= 1
        let p = step(user: u, item: i, rating: value, learningRate: configuration.learningRate)
        eventCount &+= 1
        globalMean += (value - globalMean) / Float(eventCount)
        if !historySets[u].contains(item) {
            historySets[u].insert(item)
            history[u].append(item)
        }
        return p
    }

    @inline(__always)
    private func rateScale(_ n: Int32) -> Float {
        configuration.rateBoost == 0 ? 1 : 1 + configuration.rateBoost / Float(max(n, 1)).squareRoot()
    }

    @discardableResult
    private func step(user u: Int, item i: Int, rating: Float, learningRate lr: Float) -> Float {
        let d = configuration.factors
        let s = implicitSum(u)
        let pu = userFactors.row(u), qi = itemFactors.row(i)
        var dot: Float = 0
        for k in 0..<d { dot += qi[k] * (pu[k] + z[k]) }
        let prediction = globalMean + userBias[u] + itemBias[i] + dot
        let e = rating - prediction
        let lru = lr * rateScale(userCount[u]), lri = lr * rateScale(itemCount[i])
        let lb = configuration.biasRegularization, reg = configuration.regularization
        userBias[u] += lru * (e - lb * userBias[u])
        itemBias[i] += lri * (e - lb * itemBias[i])
        for k in 0..<d {
            let q = qi[k], p = pu[k]
            oldQ[k] = q
            qi[k] = q + lri * (e * (p + z[k]) - reg * q)
            pu[k] = p + lru * (e * q - reg * p)
        }
        if s > 0 {
            let es = e * s, ry = configuration.implicitRegularization
            for j in history[u] {
                let y = implicitFactors.row(Int(j))
                for k in 0..<d { y[k] += lru * (es * oldQ[k] - ry * y[k]) }
            }
        }
        return prediction
    }

    /// Batch training: N(u) = the user's training items, μ the training mean, shuffled SGD epochs.
    public static func train(_ data: TrainingData, configuration: SVDPlusPlusConfiguration,
                             schedule: SGDSchedule = SGDSchedule(), progress: (TrainingProgress) -> Void = { _ in }) -> SVDPlusPlus {
        let model = SVDPlusPlus(configuration: configuration)
        for _ in 0..<data.users { model.addUser() }
        for _ in 0..<data.items { model.addItem() }
        for u in 0..<data.users {
            var set = Set<Int32>()
            for k in data.userOffsets[u]..<data.userOffsets[u + 1] where set.insert(data.userItems[k]).inserted {
                model.history[u].append(data.userItems[k])
            }
            model.historySets[u] = set
            model.userCount[u] = Int32(data.userDegree(u))
        }
        for i in 0..<data.items { model.itemCount[i] = Int32(data.itemDegree(i)) }
        model.globalMean = data.mean
        model.eventCount = Int64(data.count)
        var order = Array(0..<data.count)
        var shuffler = SeededGenerator(seed: schedule.shuffleSeed)
        for epoch in 0..<schedule.epochs {
            let lr = schedule.learningRate(base: configuration.learningRate, epoch: epoch)
            order.shuffle(using: &shuffler)
            var loss = 0.0
            for k in order {
                let v = data.values[k]
                let p = model.step(user: Int(data.userIndex[k]), item: Int(data.itemIndex[k]), rating: v, learningRate: lr)
                loss += Double((v - p) * (v - p))
            }
            progress(TrainingProgress(epoch: epoch + 1, epochs: schedule.epochs, loss: loss / Double(max(1, data.count))))
        }
        return model
    }
}
