import CBLAS

/// Thin, typed entry points to the OpenBLAS routines the project uses.
public enum BLAS {
    /// `C[m×n] = alpha · A[m×k] · B[n×k]ᵀ + beta · C` with all matrices row-major.
    ///
    /// This is the scoring shape: A holds a batch of user vectors, B the item matrix.
    @inlinable
    public static func gemmABt(
        m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        gemm(transA: false, transB: true, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
             beta: beta, c: c, ldc: ldc)
    }

    /// General row-major `C = alpha · op(A) · op(B) + beta · C`.
    @inlinable
    public static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        // One or two rows of C: sgemv per row. sgemm would first pack all of B (a whole item
        // table when one user is scored), which costs more than the products themselves.
        if m <= 2 {
            for i in 0..<m {
                let x = transA ? a + i : a + i * lda
                let incx = Int32(transA ? lda : 1)
                if transB {
                    cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(k), alpha, b, Int32(ldb), x, incx, beta, c + i * ldc, 1)
                } else {
                    cblas_sgemv(CblasRowMajor, CblasTrans, Int32(k), Int32(n), alpha, b, Int32(ldb), x, incx, beta, c + i * ldc, 1)
                }
            }
            return
        }
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb),
                    beta, c, Int32(ldc))
    }

    /// `y = alpha · op(A) · x + beta · y`, A row-major `m×n`.
    @inlinable
    public static func gemv(
        trans: Bool, m: Int, n: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, x: UnsafePointer<Float>,
        beta: Float = 0, y: UnsafeMutablePointer<Float>
    ) {
        cblas_sgemv(CblasRowMajor, trans ? CblasTrans : CblasNoTrans, Int32(m), Int32(n),
                    alpha, a, Int32(lda), x, 1, beta, y, 1)
    }

    /// Dot product of two length-`n` vectors.
    @inlinable
    public static func dot(_ n: Int, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>) -> Float {
        cblas_sdot(Int32(n), x, 1, y, 1)
    }

    /// `y += alpha · x`.
    @inlinable
    public static func axpy(_ n: Int, _ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        cblas_saxpy(Int32(n), alpha, x, 1, y, 1)
    }

    /// `x *= alpha`.
    @inlinable
    public static func scal(_ n: Int, _ alpha: Float, _ x: UnsafeMutablePointer<Float>) {
        cblas_sscal(Int32(n), alpha, x, 1)
    }

    /// Euclidean norm.
    @inlinable
    public static func nrm2(_ n: Int, _ x: UnsafePointer<Float>) -> Float {
        cblas_snrm2(Int32(n), x, 1)
    }

    /// Sets the number of threads OpenBLAS may use.
    public static func setThreads(_ count: Int) {
        openblas_set_num_threads(Int32(count))
    }

    /// The number of threads OpenBLAS may use.
    public static var threads: Int { Int(openblas_get_num_threads()) }

    /// Runs `body` with OpenBLAS limited to `count` threads, then restores the previous count.
    ///
    /// For callers that parallelize themselves, or whose calls are too small to gain from
    /// threads: after each threaded call OpenBLAS's workers spin (yielding) for a while before
    /// they sleep, so frequent small threaded calls keep a core busy doing nothing. The setting
    /// is process-wide: do not overlap with BLAS calls on other threads that expect the old count.
    public static func withThreads<R>(_ count: Int, _ body: () throws -> R) rethrows -> R {
        let previous = threads
        if previous == count { return try body() }
        setThreads(count)
        defer { setThreads(previous) }
        return try body()
    }
}
