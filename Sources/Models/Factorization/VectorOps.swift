/// Small dense-vector kernels over raw pointers for the per-event hot path.
///
/// For d = 64 these plain loops (auto-vectorised in release) beat the BLAS call overhead;
/// see the report in `OnlineMF` for the measurement.
@usableFromInline
enum VectorOps {
    /// Σ x[i]·y[i].
    @inlinable @inline(__always)
    static func dot(_ n: Int, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>) -> Float {
        var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
        var i = 0
        while i + 4 <= n {
            s0 += x[i] * y[i]; s1 += x[i + 1] * y[i + 1]
            s2 += x[i + 2] * y[i + 2]; s3 += x[i + 3] * y[i + 3]
            i += 4
        }
        while i < n { s0 += x[i] * y[i]; i += 1 }
        return (s0 + s1) + (s2 + s3)
    }

    /// y = a·y + b·x.
    @inlinable @inline(__always)
    static func scaleAdd(_ n: Int, _ a: Float, _ y: UnsafeMutablePointer<Float>, _ b: Float, _ x: UnsafePointer<Float>) {
        for i in 0..<n { y[i] = a * y[i] + b * x[i] }
    }

    /// y += b·x.
    @inlinable @inline(__always)
    static func axpy(_ n: Int, _ b: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        for i in 0..<n { y[i] += b * x[i] }
    }
}
