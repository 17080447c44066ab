import Linalg

/// The mean and spread over all items of a user's scores `bias[i] + q · M[i]`, from moments of
/// the item side alone: `mean = mean(bias) + q · mean(M)` and
/// `mean(score²) = mean(bias²) + 2 q · (Mᵀ bias / n) + qᵀ (Mᵀ M / n) q`.
///
/// Built once per refresh (one sgemm for the Gram matrix, O(n d²)), it gives a batch of users'
/// moments with one more sgemm (`Q · Mᵀ M / n`) and O(d) per user, without computing any score row,
/// so the hybrid ranking can fold the fusion's z-scoring into the query (`HybridScoring`). Agrees
/// with `HybridFusion.moments` of the row up to float rounding.
struct ScoreMoments {
    let width: Int
    /// `Mᵀ M / n` (width × width).
    private var gram: [Float]
    private var rowMean: [Float]
    private var biasCross: [Float]
    private var biasMean = 0.0
    private var biasSquareMean = 0.0
    /// A column of ones (the row sums' vector).
    private var ones: [Float] = []

    init(width: Int) {
        self.width = width
        gram = [Float](repeating: 0, count: max(1, width * width))
        rowMean = [Float](repeating: 0, count: width)
        biasCross = [Float](repeating: 0, count: width)
    }

    /// Recomputes the moments of `count` item rows (`matrix`, row stride `stride`, the first
    /// `width` floats of each row) and their `bias`.
    mutating func rebuild(matrix: UnsafePointer<Float>, stride: Int, bias: UnsafePointer<Float>, count n: Int) {
        let d = width
        guard n > 0, d > 0 else {
            for j in gram.indices { gram[j] = 0 }
            for j in 0..<d { rowMean[j] = 0; biasCross[j] = 0 }
            biasMean = 0
            biasSquareMean = 0
            return
        }
        let inverse = 1 / Float(n)
        gram.withUnsafeMutableBufferPointer { g in
            BLAS.gemm(transA: true, transB: false, m: d, n: d, k: n, alpha: inverse, a: matrix, lda: stride,
                      b: matrix, ldb: stride, c: g.baseAddress!, ldc: d)
        }
        if ones.count < n { ones = [Float](repeating: 1, count: n) }
        ones.withUnsafeBufferPointer { one in
            rowMean.withUnsafeMutableBufferPointer { mean in
                BLAS.gemv(trans: true, m: n, n: d, alpha: inverse, a: matrix, lda: stride, x: one.baseAddress!, y: mean.baseAddress!)
            }
        }
        biasCross.withUnsafeMutableBufferPointer { cross in
            BLAS.gemv(trans: true, m: n, n: d, alpha: inverse, a: matrix, lda: stride, x: bias, y: cross.baseAddress!)
        }
        var b1 = 0.0, b2 = 0.0
        for i in 0..<n {
            let b = Double(bias[i])
            b1 += b
            b2 += b * b
        }
        biasMean = b1 / Double(n)
        biasSquareMean = b2 / Double(n)
    }

    /// Mean and inverse standard deviation, as `HybridFusion.moments` defines them (inverse 1
    /// when the scores are constant), of the scores of each of `count` queries (`queries`, row
    /// stride `stride`, the first `width` floats of each row), into `out`. `scratch` holds at
    /// least `count × width` floats.
    func moments(queries: UnsafePointer<Float>, stride: Int, count m: Int, scratch: UnsafeMutablePointer<Float>,
                 into out: UnsafeMutablePointer<(mean: Float, inverseStd: Float)>) {
        let d = width
        guard m > 0 else { return }
        gram.withUnsafeBufferPointer { g in
            BLAS.gemm(transA: false, transB: false, m: m, n: d, k: d, a: queries, lda: stride,
                      b: g.baseAddress!, ldb: d, c: scratch, ldc: d)
        }
        rowMean.withUnsafeBufferPointer { mean in
            biasCross.withUnsafeBufferPointer { cross in
                for r in 0..<m {
                    let q = queries + r * stride, t = scratch + r * d
                    var a: Float = 0, b: Float = 0, c: Float = 0
                    for j in 0..<d {
                        a += q[j] * mean[j]
                        b += q[j] * cross[j]
                        c += q[j] * t[j]
                    }
                    let mu = biasMean + Double(a)
                    let square = biasSquareMean + 2 * Double(b) + Double(c)
                    let variance = max(0, square - mu * mu)
                    out[r] = (Float(mu), variance > 1e-12 ? Float(1 / variance.squareRoot()) : 1)
                }
            }
        }
    }
}
