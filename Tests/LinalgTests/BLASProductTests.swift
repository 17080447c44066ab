import Testing
@testable import Linalg

/// The products of one or two rows (sgemv per row) against a plain triple loop, for every
/// transposition and with beta, next to the sgemm path (three rows and more).
@Suite("BLAS products")
struct BLASProductTests {
    /// Row-major `C = alpha · op(A) · op(B) + beta · C`, summed in Double.
    private func reference(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                           a: [Float], lda: Int, b: [Float], ldb: Int, beta: Float, c: [Float], ldc: Int) -> [Float] {
        var out = c
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    let x = transA ? a[p * lda + i] : a[i * lda + p]
                    let y = transB ? b[j * ldb + p] : b[p * ldb + j]
                    sum += Double(x) * Double(y)
                }
                out[i * ldc + j] = Float(Double(alpha) * sum + Double(beta) * Double(c[i * ldc + j]))
            }
        }
        return out
    }

    @Test("gemm and gemmABt match a triple loop for 1 to 4 rows, every transposition, with beta")
    func smallRowsMatchReference() {
        var rng = SeededGenerator(seed: 11)
        let n = 37, k = 19
        for m in 1...4 {
            for transA in [false, true] {
                for transB in [false, true] {
                    // Leading dimensions wider than the rows: strides must be honoured.
                    let lda = (transA ? m : k) + 3, ldb = (transB ? k : n) + 2, ldc = n + 5
                    let a = (0..<((transA ? k : m) * lda)).map { _ in rng.nextGaussian() }
                    let b = (0..<((transB ? n : k) * ldb)).map { _ in rng.nextGaussian() }
                    let c = (0..<(m * ldc)).map { _ in rng.nextGaussian() }
                    let expected = reference(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.5,
                                             a: a, lda: lda, b: b, ldb: ldb, beta: 2, c: c, ldc: ldc)
                    var got = c
                    got.withUnsafeMutableBufferPointer { out in
                        BLAS.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda,
                                  b: b, ldb: ldb, beta: 2, c: out.baseAddress!, ldc: ldc)
                    }
                    for i in 0..<(m * ldc) {
                        #expect(abs(got[i] - expected[i]) <= 1e-4 * max(1, abs(expected[i])),
                                "m \(m) transA \(transA) transB \(transB) at \(i): \(got[i]) vs \(expected[i])")
                    }
                    if !transA && transB {
                        var abt = c
                        abt.withUnsafeMutableBufferPointer { out in
                            BLAS.gemmABt(m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda, b: b, ldb: ldb,
                                         beta: 2, c: out.baseAddress!, ldc: ldc)
                        }
                        #expect(abt == got, "gemmABt and gemm differ at m \(m)")
                    }
                }
            }
        }
    }
}
