extension OnlineMF {
    /// Re-solves one user's vector and bias in closed form from their history, holding the item side
    /// fixed: ridge regression of `r − μ − b_i` (explicit) on `[q_i, 1]`, penalty `regularization`
    /// on every unknown. Implicit feedback: target 1 for each item with weight `values`, no bias,
    /// plus the sampled-negative-free ridge (use ``ALS/foldIn(items:weights:)`` for the full implicit
    /// objective). Throws when the system is singular (only with `regularization` 0).
    public func foldIn(user: Int32, items history: UnsafeBufferPointer<Int32>, values: UnsafeBufferPointer<Float>,
                       regularization: Float) throws {
        precondition(history.count == values.count, "foldIn: items and values differ in length")
        let d = configuration.factors
        let explicit = configuration.feedback == .explicit && configuration.useBiases
        let m = explicit ? d + 1 : d
        let a = UnsafeMutablePointer<Double>.allocate(capacity: m * m)
        let b = UnsafeMutablePointer<Double>.allocate(capacity: m)
        defer { a.deallocate(); b.deallocate() }
        a.initialize(repeating: 0, count: m * m)
        b.initialize(repeating: 0, count: m)
        let mu = Double(globalMean)
        for (j, v) in zip(history, values) {
            let q = itemFactors.row(Int(j))
            let target = configuration.feedback == .explicit ? Double(v) - mu - Double(itemBias[Int(j)]) : 1
            let weight = configuration.feedback == .explicit ? 1 : Double(v)
            for p in 0..<d {
                let qp = Double(q[p]) * weight
                b[p] += target * qp
                let row = a + p * m
                for r in 0...p { row[r] += qp * Double(q[r]) }
            }
            if explicit {
                let row = a + d * m
                for r in 0..<d { row[r] += Double(q[r]) }
                row[d] += 1
                b[d] += target
            }
        }
        for p in 0..<m {
            a[p * m + p] += Double(regularization)
            for r in 0..<p { a[r * m + p] = a[p * m + r] }
        }
        try Cholesky.solve(a, b, n: m)
        let pu = userFactors.row(Int(user))
        for k in 0..<d { pu[k] = Float(b[k]) }
        if explicit { userBias[Int(user)] = Float(b[d]) }
    }
}
