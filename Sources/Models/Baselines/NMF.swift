import Linalg

/// Non-negative matrix factorization by multiplicative updates (a batch baseline).
///
/// * ``Mode/observed`` (ratings): loss on observed entries only with L2 (Luo et al. 2014, as in
///   Surprise's NMF): `p ← p·Σ q r / (Σ q r̂ + λ n p)`, likewise for `q`.
/// * ``Mode/full`` (ranking): Lee–Seung on the whole binary matrix, missing entries 0:
///   `W ← W∘(R H)/(W HᵀH)`, `H ← H∘(Rᵀ W)/(H WᵀW)`.
public final class NMF {
    /// Which entries the loss covers.
    public enum Mode: String, Sendable, Codable { case observed, full }

    /// Loss coverage.
    public let mode: Mode
    /// Latent dimension.
    public let factors: Int
    /// Non-negative user factors.
    public let userFactors: FactorMatrix
    /// Non-negative item factors.
    public let itemFactors: FactorMatrix

    /// Number of items.
    public var items: Int { itemFactors.rows }

    /// Trains on `data`; `progress` gets the squared error on observed entries after each iteration.
    public init(_ data: TrainingData, mode: Mode, factors: Int = 15, iterations: Int = 50, regularization: Float = 0.06,
                seed: UInt64 = 42, progress: (TrainingProgress) -> Void = { _ in }) {
        self.mode = mode
        self.factors = max(1, factors)
        let d = self.factors
        var rng = SeededGenerator(seed: seed)
        let scale: Float = mode == .observed ? (data.mean / Float(d)).squareRoot() : 0.1
        userFactors = FactorMatrix(cols: d, capacity: max(1, data.users))
        itemFactors = FactorMatrix(cols: d, capacity: max(1, data.items))
        for _ in 0..<data.users { userFactors.appendRow { r in for k in 0..<d { r[k] = scale * (0.5 + rng.nextUnit()) } } }
        for _ in 0..<data.items { itemFactors.appendRow { r in for k in 0..<d { r[k] = scale * (0.5 + rng.nextUnit()) } } }
        var num = [Float](repeating: 0, count: d), den = [Float](repeating: 0, count: d)
        var gram = [Float](repeating: 0, count: d * d)
        for it in 0..<iterations {
            for side in 0..<2 {
                let solvingUsers = side == 0
                let target = solvingUsers ? userFactors : itemFactors
                let fixed = solvingUsers ? itemFactors : userFactors
                let offsets = solvingUsers ? data.userOffsets : data.itemOffsets
                let cols = solvingUsers ? data.userItems : data.itemUsers
                let vals = solvingUsers ? data.userValues : data.itemValues
                if mode == .full {
                    gram.withUnsafeMutableBufferPointer { g in
                        BLAS.gemm(transA: true, transB: false, m: d, n: d, k: fixed.rows, a: fixed.base, lda: d,
                                  b: fixed.base, ldb: d, c: g.baseAddress!, ldc: d)
                    }
                }
                for r in 0..<target.rows {
                    let x = target.row(r)
                    for k in 0..<d { num[k] = 0; den[k] = 0 }
                    for n in offsets[r]..<offsets[r + 1] {
                        let y = fixed.row(Int(cols[n]))
                        let v = vals[n]
                        if mode == .observed {
                            let est = VectorOps.dot(d, x, y)
                            for k in 0..<d { num[k] += y[k] * v; den[k] += y[k] * est }
                        } else {
                            for k in 0..<d { num[k] += y[k] * v }
                        }
                    }
                    let count = Float(offsets[r + 1] - offsets[r])
                    if mode == .full {
                        for k in 0..<d {
                            var s: Float = 0
                            for c in 0..<d { s += x[c] * gram[c * d + k] }
                            den[k] = s
                        }
                    }
                    for k in 0..<d {
                        let dd = den[k] + regularization * max(count, 1) * x[k]
                        x[k] = dd > 0 ? x[k] * num[k] / dd : 0
                    }
                }
            }
            var loss = 0.0
            for k in 0..<data.count {
                let e = data.values[k] - VectorOps.dot(d, userFactors.row(Int(data.userIndex[k])), itemFactors.row(Int(data.itemIndex[k])))
                loss += Double(e * e)
            }
            progress(TrainingProgress(epoch: it + 1, epochs: iterations, loss: loss / Double(max(1, data.count))))
        }
    }

    /// `p_u · q_i`.
    public func predict(user: Int32, item: Int32) -> Float {
        VectorOps.dot(factors, userFactors.row(Int(user)), itemFactors.row(Int(item)))
    }

    /// Scores of every item for `user`.
    public func scoreAll(user: Int32, into scores: UnsafeMutableBufferPointer<Float>) {
        BLAS.gemv(trans: false, m: items, n: factors, a: itemFactors.base, lda: factors,
                  x: userFactors.row(Int(user)), beta: 0, y: scores.baseAddress!)
    }
}
