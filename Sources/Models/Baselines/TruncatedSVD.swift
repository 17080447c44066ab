import Linalg

/// Truncated SVD of the training matrix by randomized subspace iteration (a batch baseline).
///
/// Ranking (PureSVD, Cremonesi et al. 2010): SVD of the binary matrix, scores `r_u·V·Vᵀ`.
/// Ratings: SVD of the residuals after a shrunk-mean baseline `μ + b_u + b_i` (missing entries 0),
/// prediction `baseline + (r̃_u·V)·v_j`.
public final class TruncatedSVD {
    /// Retained rank.
    public let rank: Int
    /// Right singular vectors, `items × rank` row-major.
    public let itemVectors: FactorMatrix
    /// The singular values, descending.
    public let singularValues: [Float]
    private let data: TrainingData
    private let residual: [Float]
    private let userBias: [Float]
    private let itemBias: [Float]
    private let mean: Float
    private let centered: Bool
    private let projection: UnsafeMutablePointer<Float>

    /// Number of items.
    public var items: Int { data.items }

    /// Factorizes `data`; `centered` selects the rating (residual) variant.
    public init(_ data: TrainingData, rank: Int = 64, centered: Bool = false, powerIterations: Int = 4,
                oversampling: Int = 10, seed: UInt64 = 42) {
        self.data = data
        self.centered = centered
        let k = max(1, min(rank, data.items))
        self.rank = k
        // Baseline and the values to factorize.
        mean = centered ? data.mean : 0
        var bu = [Float](repeating: 0, count: data.users), bi = [Float](repeating: 0, count: data.items)
        if centered {
            for i in 0..<data.items {
                var s: Float = 0
                for n in data.itemOffsets[i]..<data.itemOffsets[i + 1] { s += data.itemValues[n] - mean }
                bi[i] = s / (Float(data.itemDegree(i)) + 25)
            }
            for u in 0..<data.users {
                var s: Float = 0
                for n in data.userOffsets[u]..<data.userOffsets[u + 1] { s += data.userValues[n] - mean - bi[Int(data.userItems[n])] }
                bu[u] = s / (Float(data.userDegree(u)) + 10)
            }
        }
        userBias = bu
        itemBias = bi
        var res = [Float](repeating: 1, count: data.userItems.count)
        if centered {
            for u in 0..<data.users {
                for n in data.userOffsets[u]..<data.userOffsets[u + 1] {
                    res[n] = data.userValues[n] - mean - bu[u] - bi[Int(data.userItems[n])]
                }
            }
        }
        residual = res
        // Randomized range finder on RᵀR.
        let l = min(data.items, k + oversampling)
        var rng = SeededGenerator(seed: seed)
        var q = [Float](repeating: 0, count: data.items * l)
        for t in 0..<q.count { q[t] = rng.nextGaussian() }
        var z = [Float](repeating: 0, count: data.users * l)
        func multiplyR(_ q: [Float]) -> [Float] {           // Z = R·Q (users × l)
            var z = [Float](repeating: 0, count: data.users * l)
            for u in 0..<data.users {
                for n in data.userOffsets[u]..<data.userOffsets[u + 1] {
                    let i = Int(data.userItems[n]), v = res[n]
                    for c in 0..<l { z[u * l + c] += v * q[i * l + c] }
                }
            }
            return z
        }
        func multiplyRt(_ z: [Float]) -> [Float] {          // Y = Rᵀ·Z (items × l)
            var y = [Float](repeating: 0, count: data.items * l)
            for u in 0..<data.users {
                for n in data.userOffsets[u]..<data.userOffsets[u + 1] {
                    let i = Int(data.userItems[n]), v = res[n]
                    for c in 0..<l { y[i * l + c] += v * z[u * l + c] }
                }
            }
            return y
        }
        func orthonormalize(_ m: inout [Float]) {           // modified Gram–Schmidt on columns
            let rows = m.count / l
            for c in 0..<l {
                var before: Double = 0
                for r in 0..<rows { before += Double(m[r * l + c]) * Double(m[r * l + c]) }
                for _ in 0..<2 {   // "twice is enough" re-orthogonalisation
                    for p in 0..<c {
                        var d: Double = 0
                        for r in 0..<rows { d += Double(m[r * l + c]) * Double(m[r * l + p]) }
                        let df = Float(d)
                        for r in 0..<rows { m[r * l + c] -= df * m[r * l + p] }
                    }
                }
                var norm: Double = 0
                for r in 0..<rows { norm += Double(m[r * l + c]) * Double(m[r * l + c]) }
                // A column that lost almost all its length is numerically dependent: drop it.
                let inv = norm > 1e-10 * max(before, 1e-30) ? Float(1 / norm.squareRoot()) : 0
                for r in 0..<rows { m[r * l + c] *= inv }
            }
        }
        orthonormalize(&q)
        for _ in 0..<max(1, powerIterations) {
            q = multiplyRt(multiplyR(q))
            orthonormalize(&q)
        }
        z = multiplyR(q)
        // B = Zᵀ Z (l × l), eigen-decomposed.
        var b = [Double](repeating: 0, count: l * l)
        for u in 0..<data.users {
            for p in 0..<l {
                let zp = Double(z[u * l + p])
                if zp == 0 { continue }
                for c in 0..<l { b[p * l + c] += zp * Double(z[u * l + c]) }
            }
        }
        let (values, w) = SymmetricEigen.decompose(b, n: l)
        singularValues = values.prefix(k).map { Float(max(0, $0).squareRoot()) }
        itemVectors = FactorMatrix(cols: k, capacity: max(1, data.items))
        for i in 0..<data.items {
            itemVectors.appendRow { row in
                for c in 0..<k {
                    var s: Double = 0
                    for p in 0..<l { s += Double(q[i * l + p]) * w[p * l + c] }
                    row[c] = Float(s)
                }
            }
        }
        projection = .allocate(capacity: k)
        projection.initialize(repeating: 0, count: k)
    }

    deinit { projection.deallocate() }

    private func project(_ u: Int) {
        for c in 0..<rank { projection[c] = 0 }
        for n in data.userOffsets[u]..<data.userOffsets[u + 1] {
            VectorOps.axpy(rank, residual[n], itemVectors.row(Int(data.userItems[n])), projection)
        }
    }

    /// Scores of every item for `user`: the user's row projected on the retained subspace.
    public func scoreAll(user: Int32, into scores: UnsafeMutableBufferPointer<Float>) {
        project(Int(user))
        let base = mean + userBias[Int(user)]
        for j in 0..<data.items { scores[j] = centered ? base + itemBias[j] : 0 }
        BLAS.gemv(trans: false, m: data.items, n: rank, a: itemVectors.base, lda: rank, x: projection, beta: 1, y: scores.baseAddress!)
    }

    /// Rating estimate (centered variant) or ranking score.
    public func predict(user: Int32, item: Int32) -> Float {
        project(Int(user))
        let dot = VectorOps.dot(rank, projection, itemVectors.row(Int(item)))
        return centered ? mean + userBias[Int(user)] + itemBias[Int(item)] + dot : dot
    }
}
