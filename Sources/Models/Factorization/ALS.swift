import Linalg

/// Alternating least squares: explicit ratings with biases and weighted-λ regularization (ALS-WR),
/// or implicit feedback with confidence weights over all pairs (Hu, Koren, Volinsky 2008).
///
/// Each row solve is a k×k (k+1 with a bias) SPD system solved by ``Cholesky``; the implicit
/// Gram matrix `YᵀY` comes from one BLAS sgemm per sweep. Used as a batch learner, as the warm
/// start of ``OnlineMF`` (``onlineSnapshot(configuration:)``) and to fold in one user's vector
/// from their history (``foldIn(items:weights:)``).
public final class ALS {
    /// The hyper-parameters.
    public let configuration: ALSConfiguration
    /// User vectors.
    public let userFactors: FactorMatrix
    /// Item vectors.
    public let itemFactors: FactorMatrix
    /// User biases (explicit only; zero for implicit).
    public private(set) var userBias: [Float]
    /// Item biases (explicit only; zero for implicit).
    public private(set) var itemBias: [Float]
    /// Global mean (explicit only).
    public private(set) var globalMean: Float
    /// `YᵀY` of the current item factors, row-major k×k (implicit fold-in).
    private var itemGram: [Double]

    /// Number of users.
    public var users: Int { userFactors.rows }
    /// Number of items.
    public var items: Int { itemFactors.rows }

    /// Creates a model with random factors (Gaussian, `initStd`).
    public init(configuration: ALSConfiguration, users: Int, items: Int) {
        self.configuration = configuration
        let d = configuration.factors
        var rng = SeededGenerator(seed: configuration.seed)
        userFactors = FactorMatrix(cols: d, capacity: max(1, users))
        itemFactors = FactorMatrix(cols: d, capacity: max(1, items))
        for _ in 0..<users { userFactors.appendRow { r in for k in 0..<d { r[k] = configuration.initStd * rng.nextGaussian() } } }
        for _ in 0..<items { itemFactors.appendRow { r in for k in 0..<d { r[k] = configuration.initStd * rng.nextGaussian() } } }
        userBias = [Float](repeating: 0, count: users)
        itemBias = [Float](repeating: 0, count: items)
        globalMean = 0
        itemGram = []
    }

    /// Trains on `data`; `progress` gets the training loss after each sweep (explicit: RMSE;
    /// implicit: the weighted objective divided by the number of users × items).
    public static func train(_ data: TrainingData, configuration: ALSConfiguration,
                             progress: (TrainingProgress) -> Void = { _ in }) throws -> ALS {
        try validate(configuration)
        let model = ALS(configuration: configuration, users: data.users, items: data.items)
        if configuration.feedback == .explicit { model.globalMean = data.mean }
        for it in 0..<configuration.iterations {
            try model.sweep(data, solvingUsers: true)
            try model.sweep(data, solvingUsers: false)
            progress(TrainingProgress(epoch: it + 1, epochs: configuration.iterations, loss: model.loss(data)))
        }
        model.refreshGram()
        return model
    }

    private static func validate(_ c: ALSConfiguration) throws {
        guard c.factors > 0, c.iterations >= 0, c.regularization >= 0, c.alpha >= 0 else {
            throw ModelError(.invalidConfiguration, "ALS: factors > 0, iterations, regularization and alpha >= 0 required")
        }
    }

    /// Model score of a pair: rating estimate (explicit) or preference (implicit).
    public func predict(user: Int32, item: Int32) -> Float {
        let d = configuration.factors
        let dot = VectorOps.dot(d, userFactors.row(Int(user)), itemFactors.row(Int(item)))
        return configuration.feedback == .explicit ? globalMean + userBias[Int(user)] + itemBias[Int(item)] + dot : dot
    }

    /// Scores of every item for `user` (one gemv).
    public func scoreAll(user: Int32, into scores: UnsafeMutableBufferPointer<Float>) {
        precondition(scores.count >= items)
        guard let out = scores.baseAddress, items > 0 else { return }
        let d = configuration.factors
        if configuration.feedback == .explicit {
            let offset = globalMean + userBias[Int(user)]
            for j in 0..<items { out[j] = itemBias[j] + offset }
            BLAS.gemv(trans: false, m: items, n: d, a: itemFactors.base, lda: d, x: userFactors.row(Int(user)), beta: 1, y: out)
        } else {
            BLAS.gemv(trans: false, m: items, n: d, a: itemFactors.base, lda: d, x: userFactors.row(Int(user)), beta: 0, y: out)
        }
    }

    /// Implicit fold-in: the user vector that minimises the weighted loss given the current item
    /// factors and this history (`weights` are the raw values, turned into confidences).
    /// Explicit models: `weights` are ratings and the returned vector ignores the user bias
    /// (see ``foldInExplicit(items:ratings:)``).
    public func foldIn(items history: [Int32], weights: [Float]) throws -> [Float] {
        if configuration.feedback == .explicit { return try foldInExplicit(items: history, ratings: weights).factors }
        guard history.count == weights.count else { throw ModelError(.invalidInput, "foldIn: \(history.count) items, \(weights.count) weights") }
        for i in history where i < 0 || Int(i) >= items { throw ModelError(.invalidInput, "foldIn: item \(i) out of range") }
        if itemGram.isEmpty { refreshGram() }
        let d = configuration.factors
        var a = itemGram
        var b = [Double](repeating: 0, count: d)
        a.withUnsafeMutableBufferPointer { ap in
            b.withUnsafeMutableBufferPointer { bp in
                history.withUnsafeBufferPointer { h in
                    weights.withUnsafeBufferPointer { w in
                        implicitSystem(ap.baseAddress!, bp.baseAddress!, cols: h, values: w, fixed: itemFactors, addGram: false)
                    }
                }
            }
        }
        let x = try Cholesky.solve(a, b)
        return x.map { Float($0) }
    }

    /// Explicit fold-in: user factors and bias fitting `ratings` of `items` with the current item side.
    public func foldInExplicit(items history: [Int32], ratings: [Float]) throws -> (factors: [Float], bias: Float) {
        guard history.count == ratings.count else { throw ModelError(.invalidInput, "foldIn: \(history.count) items, \(ratings.count) ratings") }
        for i in history where i < 0 || Int(i) >= items { throw ModelError(.invalidInput, "foldIn: item \(i) out of range") }
        let m = configuration.factors + 1
        var a = [Double](repeating: 0, count: m * m)
        var b = [Double](repeating: 0, count: m)
        a.withUnsafeMutableBufferPointer { ap in
            b.withUnsafeMutableBufferPointer { bp in
                history.withUnsafeBufferPointer { h in
                    ratings.withUnsafeBufferPointer { r in
                        explicitSystem(ap.baseAddress!, bp.baseAddress!, cols: h, values: r, fixed: itemFactors, fixedBias: itemBias)
                    }
                }
            }
        }
        let x = try Cholesky.solve(a, b)
        return (x.prefix(configuration.factors).map { Float($0) }, Float(x[m - 1]))
    }

    /// The state as an ``OnlineMF`` snapshot (biases and μ included), to continue learning per event.
    public func onlineSnapshot(configuration online: OnlineMFConfiguration, userCount: [Int32]? = nil,
                               itemCount: [Int32]? = nil) -> OnlineMFSnapshot {
        var online = online
        online.factors = configuration.factors
        let learner = OnlineMF(configuration: online)
        var s = learner.snapshot()
        s.users = users
        s.items = items
        s.userFactors = userFactors.toArray()
        s.itemFactors = itemFactors.toArray()
        s.userBias = userBias
        s.itemBias = itemBias
        s.userCount = userCount ?? [Int32](repeating: 0, count: users)
        s.itemCount = itemCount ?? [Int32](repeating: 0, count: items)
        s.globalMean = globalMean
        return s
    }

    // MARK: - Sweeps

    private func refreshGram() {
        let d = configuration.factors
        var g = [Float](repeating: 0, count: d * d)
        if items > 0 {
            g.withUnsafeMutableBufferPointer { gp in
                BLAS.gemm(transA: true, transB: false, m: d, n: d, k: items, a: itemFactors.base, lda: d,
                          b: itemFactors.base, ldb: d, c: gp.baseAddress!, ldc: d)
            }
        }
        itemGram = g.map { Double($0) }
    }

    private func userGram() -> [Double] {
        let d = configuration.factors
        var g = [Float](repeating: 0, count: d * d)
        if users > 0 {
            g.withUnsafeMutableBufferPointer { gp in
                BLAS.gemm(transA: true, transB: false, m: d, n: d, k: users, a: userFactors.base, lda: d,
                          b: userFactors.base, ldb: d, c: gp.baseAddress!, ldc: d)
            }
        }
        return g.map { Double($0) }
    }

    private func sweep(_ data: TrainingData, solvingUsers: Bool) throws {
        let d = configuration.factors
        let target = solvingUsers ? userFactors : itemFactors
        let fixed = solvingUsers ? itemFactors : userFactors
        let offsets = solvingUsers ? data.userOffsets : data.itemOffsets
        let cols = solvingUsers ? data.userItems : data.itemUsers
        let vals = solvingUsers ? data.userValues : data.itemValues
        let explicit = configuration.feedback == .explicit
        let m = explicit ? d + 1 : d
        let gram: [Double] = explicit ? [] : (solvingUsers ? { refreshGram(); return itemGram }() : userGram())
        let a = UnsafeMutablePointer<Double>.allocate(capacity: m * m)
        let b = UnsafeMutablePointer<Double>.allocate(capacity: m)
        defer { a.deallocate(); b.deallocate() }
        let fixedBias = solvingUsers ? itemBias : userBias
        var newBias = solvingUsers ? userBias : itemBias
        try cols.withUnsafeBufferPointer { colsP in
            try vals.withUnsafeBufferPointer { valsP in
                for r in 0..<target.rows {
                    let lo = offsets[r], hi = offsets[r + 1]
                    let c = UnsafeBufferPointer(rebasing: colsP[lo..<hi])
                    let v = UnsafeBufferPointer(rebasing: valsP[lo..<hi])
                    let row = target.row(r)
                    if explicit {
                        if hi == lo {
                            for k in 0..<d { row[k] = 0 }
                            newBias[r] = 0
                            continue
                        }
                        explicitSystem(a, b, cols: c, values: v, fixed: fixed, fixedBias: fixedBias)
                        try Cholesky.solve(a, b, n: m)
                        for k in 0..<d { row[k] = Float(b[k]) }
                        newBias[r] = Float(b[d])
                    } else {
                        gram.withUnsafeBufferPointer { a.update(from: $0.baseAddress!, count: d * d) }
                        implicitSystem(a, b, cols: c, values: v, fixed: fixed, addGram: false)
                        try Cholesky.solve(a, b, n: m)
                        for k in 0..<d { row[k] = Float(b[k]) }
                    }
                }
            }
        }
        if explicit {
            if solvingUsers { userBias = newBias } else { itemBias = newBias }
        }
    }

    /// Adds `Σ (c−1)·y·yᵀ + λI` to `a` (which must already hold `YᵀY`) and writes `Σ c·y` to `b`.
    private func implicitSystem(_ a: UnsafeMutablePointer<Double>, _ b: UnsafeMutablePointer<Double>,
                                cols: UnsafeBufferPointer<Int32>, values: UnsafeBufferPointer<Float>,
                                fixed: FactorMatrix, addGram: Bool) {
        let d = configuration.factors
        for k in 0..<d { b[k] = 0 }
        for (j, v) in zip(cols, values) {
            let y = fixed.row(Int(j))
            let c = Double(configuration.confidence(v))
            let w = c - 1
            for p in 0..<d {
                let yp = Double(y[p])
                b[p] += c * yp
                let wp = w * yp
                let rowA = a + p * d
                for q in 0...p { rowA[q] += wp * Double(y[q]) }
            }
        }
        let lambda = Double(configuration.regularization)
        for p in 0..<d {
            a[p * d + p] += lambda
            for q in 0..<p { a[q * d + p] = a[p * d + q] }
        }
    }

    /// Writes the biased least-squares system of one row: unknowns `[x, bias]`, design `[y, 1]`,
    /// target `r − μ − b_fixed`, penalty `λ·n` on every unknown (weighted-λ).
    private func explicitSystem(_ a: UnsafeMutablePointer<Double>, _ b: UnsafeMutablePointer<Double>,
                                cols: UnsafeBufferPointer<Int32>, values: UnsafeBufferPointer<Float>,
                                fixed: FactorMatrix, fixedBias: [Float]) {
        let d = configuration.factors, m = d + 1
        a.update(repeating: 0, count: m * m)
        b.update(repeating: 0, count: m)
        let mu = Double(globalMean)
        for (j, v) in zip(cols, values) {
            let y = fixed.row(Int(j))
            let t = Double(v) - mu - Double(fixedBias[Int(j)])
            for p in 0..<d {
                let yp = Double(y[p])
                b[p] += t * yp
                let rowA = a + p * m
                for q in 0...p { rowA[q] += yp * Double(y[q]) }
            }
            let rowBias = a + d * m
            for q in 0..<d { rowBias[q] += Double(y[q]) }
            rowBias[d] += 1
            b[d] += t
        }
        let lambda = Double(configuration.regularization) * Double(max(1, cols.count))
        for p in 0..<m {
            a[p * m + p] += lambda
            for q in 0..<p { a[q * m + p] = a[p * m + q] }
        }
    }

    // MARK: - Loss

    private func loss(_ data: TrainingData) -> Double {
        let d = configuration.factors
        if configuration.feedback == .explicit {
            var s = 0.0
            for k in 0..<data.count {
                let e = Double(data.values[k] - predict(user: data.userIndex[k], item: data.itemIndex[k]))
                s += e * e
            }
            return (s / Double(max(1, data.count))).squareRoot()
        }
        refreshGram()
        var total = 0.0
        for u in 0..<users {
            let x = userFactors.row(u)
            for p in 0..<d {
                var row = 0.0
                for q in 0..<d { row += itemGram[p * d + q] * Double(x[q]) }
                total += Double(x[p]) * row
            }
        }
        for k in 0..<data.count {
            let s = Double(VectorOps.dot(d, userFactors.row(Int(data.userIndex[k])), itemFactors.row(Int(data.itemIndex[k]))))
            let c = Double(configuration.confidence(data.values[k]))
            total += c * (1 - s) * (1 - s) - s * s
        }
        var norms = 0.0
        for v in UnsafeBufferPointer(start: userFactors.base, count: users * d) { norms += Double(v * v) }
        for v in UnsafeBufferPointer(start: itemFactors.base, count: items * d) { norms += Double(v * v) }
        total += Double(configuration.regularization) * norms
        return total / Double(max(1, users * items))
    }
}
