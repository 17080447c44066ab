import Linalg

/// The mean and spread over all items of a user's scores `bias[i] + q · M[i]`, from sums over
/// the item side alone: `mean = Σ bias / n + q · Σ M[i] / n` and
/// `mean(score²) = Σ bias² / n + 2 q · (Mᵀ bias) / n + qᵀ (Mᵀ M) q / n`.
///
/// Built from all rows (one sgemm for the Gram matrix, O(n d²)) or kept up to date by replacing
/// the rows that changed (`replace`, O(changed · d²)), it gives a batch of users' moments with one
/// more sgemm (`Q · Mᵀ M`) and O(d) per user, without computing any score row, so the hybrid
/// ranking can fold the fusion's z-scoring into the query (`HybridScoring`). Agrees with
/// `HybridFusion.moments` of the row up to float rounding.
struct ScoreMoments {
    let width: Int
    /// Rows summed.
    private(set) var count = 0
    /// `Mᵀ M` (width × width).
    private var gram: [Float]
    private var rowSum: [Float]
    private var biasCross: [Float]
    private var biasSum = 0.0
    private var biasSquareSum = 0.0
    /// A column of ones (the row sums' vector).
    private var ones: [Float] = []

    init(width: Int) {
        self.width = width
        gram = [Float](repeating: 0, count: max(1, width * width))
        rowSum = [Float](repeating: 0, count: width)
        biasCross = [Float](repeating: 0, count: width)
    }

    /// Recomputes the sums over `count` item rows (`matrix`, row stride `stride`, the first
    /// `width` floats of each row) and their `bias`.
    mutating func rebuild(matrix: UnsafePointer<Float>, stride: Int, bias: UnsafePointer<Float>, count n: Int) {
        let d = width
        count = n
        biasSum = 0
        biasSquareSum = 0
        guard n > 0, d > 0 else {
            for j in gram.indices { gram[j] = 0 }
            for j in 0..<d { rowSum[j] = 0; biasCross[j] = 0 }
            return
        }
        gram.withUnsafeMutableBufferPointer { g in
            BLAS.gemm(transA: true, transB: false, m: d, n: d, k: n, a: matrix, lda: stride, b: matrix, ldb: stride,
                      c: g.baseAddress!, ldc: d)
        }
        if ones.count < n { ones = [Float](repeating: 1, count: n) }
        ones.withUnsafeBufferPointer { one in
            rowSum.withUnsafeMutableBufferPointer { sum in
                BLAS.gemv(trans: true, m: n, n: d, a: matrix, lda: stride, x: one.baseAddress!, y: sum.baseAddress!)
            }
        }
        biasCross.withUnsafeMutableBufferPointer { cross in
            BLAS.gemv(trans: true, m: n, n: d, a: matrix, lda: stride, x: bias, y: cross.baseAddress!)
        }
        for i in 0..<n {
            let b = Double(bias[i])
            biasSum += b
            biasSquareSum += b * b
        }
    }

    /// Adds `added` rows (`matrix`, row stride `stride`, the first `width` floats of each row)
    /// with their `bias` to the sums: items new since the last call, O(added · d²).
    mutating func append(matrix: UnsafePointer<Float>, stride: Int, bias: UnsafePointer<Float>, count added: Int) {
        let d = width
        guard added > 0, d > 0 else { count += max(0, added); return }
        gram.withUnsafeMutableBufferPointer { g in
            BLAS.gemm(transA: true, transB: false, m: d, n: d, k: added, a: matrix, lda: stride, b: matrix, ldb: stride,
                      beta: 1, c: g.baseAddress!, ldc: d)
        }
        if ones.count < added { ones = [Float](repeating: 1, count: added) }
        ones.withUnsafeBufferPointer { one in
            rowSum.withUnsafeMutableBufferPointer { sum in
                BLAS.gemv(trans: true, m: added, n: d, a: matrix, lda: stride, x: one.baseAddress!, beta: 1, y: sum.baseAddress!)
            }
        }
        biasCross.withUnsafeMutableBufferPointer { cross in
            BLAS.gemv(trans: true, m: added, n: d, a: matrix, lda: stride, x: bias, beta: 1, y: cross.baseAddress!)
        }
        for i in 0..<added {
            let b = Double(bias[i])
            biasSum += b
            biasSquareSum += b * b
        }
        count += added
    }

    /// Replaces rows: `old` and `new` hold them (`width` floats each, contiguous), `oldBias` and
    /// `newBias` their biases (one per row); the row count stays.
    mutating func replace(old: [Float], oldBias: [Float], new: [Float], newBias: [Float]) {
        let d = width, c = oldBias.count
        guard c > 0, d > 0 else { return }
        gram.withUnsafeMutableBufferPointer { g in
            BLAS.gemm(transA: true, transB: false, m: d, n: d, k: c, a: new, lda: d, b: new, ldb: d, beta: 1,
                      c: g.baseAddress!, ldc: d)
            BLAS.gemm(transA: true, transB: false, m: d, n: d, k: c, alpha: -1, a: old, lda: d, b: old, ldb: d, beta: 1,
                      c: g.baseAddress!, ldc: d)
        }
        if ones.count < c { ones = [Float](repeating: 1, count: c) }
        ones.withUnsafeBufferPointer { one in
            rowSum.withUnsafeMutableBufferPointer { sum in
                BLAS.gemv(trans: true, m: c, n: d, a: new, lda: d, x: one.baseAddress!, beta: 1, y: sum.baseAddress!)
                BLAS.gemv(trans: true, m: c, n: d, alpha: -1, a: old, lda: d, x: one.baseAddress!, beta: 1, y: sum.baseAddress!)
            }
        }
        biasCross.withUnsafeMutableBufferPointer { cross in
            BLAS.gemv(trans: true, m: c, n: d, a: new, lda: d, x: newBias, beta: 1, y: cross.baseAddress!)
            BLAS.gemv(trans: true, m: c, n: d, alpha: -1, a: old, lda: d, x: oldBias, beta: 1, y: cross.baseAddress!)
        }
        for i in 0..<c {
            let a = Double(newBias[i]), b = Double(oldBias[i])
            biasSum += a - b
            biasSquareSum += a * a - b * b
        }
    }

    /// Mean and inverse standard deviation, as `HybridFusion.moments` defines them (inverse 1
    /// when the scores are constant), of the scores of each of `count` queries (`queries`, row
    /// stride `stride`, the first `width` floats of each row), into `out`. `scratch` holds at
    /// least `count × width` floats.
    func moments(queries: UnsafePointer<Float>, stride: Int, count m: Int, scratch: UnsafeMutablePointer<Float>,
                 into out: UnsafeMutablePointer<(mean: Float, inverseStd: Float)>) {
        let d = width
        guard m > 0 else { return }
        guard count > 0 else {
            for r in 0..<m { out[r] = (0, 1) }
            return
        }
        gram.withUnsafeBufferPointer { g in
            BLAS.gemm(transA: false, transB: false, m: m, n: d, k: d, a: queries, lda: stride,
                      b: g.baseAddress!, ldb: d, c: scratch, ldc: d)
        }
        let inverse = 1 / Double(count)
        rowSum.withUnsafeBufferPointer { sum in
            biasCross.withUnsafeBufferPointer { cross in
                for r in 0..<m {
                    let q = queries + r * stride, t = scratch + r * d
                    var a: Float = 0, b: Float = 0, c: Float = 0
                    for j in 0..<d {
                        a += q[j] * sum[j]
                        b += q[j] * cross[j]
                        c += q[j] * t[j]
                    }
                    let mu = (biasSum + Double(a)) * inverse
                    let square = (biasSquareSum + 2 * Double(b) + Double(c)) * inverse
                    let variance = max(0, square - mu * mu)
                    out[r] = (Float(mu), variance > 1e-12 ? Float(1 / variance.squareRoot()) : 1)
                }
            }
        }
    }
}
