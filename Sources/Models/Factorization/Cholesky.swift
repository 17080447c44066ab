/// Dense symmetric positive-definite solves for the small k×k systems of ALS (k ≲ 256).
///
/// Hand-written (LAPACKE is not available): factor `A = L·Lᵀ` in place, then two triangular solves.
public enum Cholesky {
    /// Solves `A·x = b` for SPD `A` (`n×n`, row-major, overwritten by its factor); `b` is overwritten by `x`.
    /// Throws ``ModelError`` (`notConverged`) when `A` is not positive definite.
    public static func solve(_ a: UnsafeMutablePointer<Double>, _ b: UnsafeMutablePointer<Double>, n: Int) throws {
        try factor(a, n: n)
        substitute(a, b, n: n)
    }

    /// In-place lower Cholesky factor of the row-major SPD matrix `a` (upper part left untouched).
    public static func factor(_ a: UnsafeMutablePointer<Double>, n: Int) throws {
        for j in 0..<n {
            let rj = a + j * n
            var d = rj[j]
            for k in 0..<j { d -= rj[k] * rj[k] }
            guard d > 0, d.isFinite else {
                throw ModelError(.notConverged, "Cholesky: matrix is not positive definite at column \(j)")
            }
            let l = d.squareRoot()
            rj[j] = l
            let inv = 1 / l
            for i in (j + 1)..<max(j + 1, n) {
                let ri = a + i * n
                var s = ri[j]
                for k in 0..<j { s -= ri[k] * rj[k] }
                ri[j] = s * inv
            }
        }
    }

    /// Solves `L·Lᵀ·x = b` given the factor from ``factor(_:n:)``; `b` becomes `x`.
    public static func substitute(_ l: UnsafePointer<Double>, _ b: UnsafeMutablePointer<Double>, n: Int) {
        for i in 0..<n {
            let ri = l + i * n
            var s = b[i]
            for k in 0..<i { s -= ri[k] * b[k] }
            b[i] = s / ri[i]
        }
        for i in stride(from: n - 1, through: 0, by: -1) {
            var s = b[i]
            for k in (i + 1)..<max(i + 1, n) { s -= l[k * n + i] * b[k] }
            b[i] = s / l[i * n + i]
        }
    }

    /// Convenience for arrays: returns `x` with `A·x = b` (`a` is `n×n` row-major).
    public static func solve(_ a: [Double], _ b: [Double]) throws -> [Double] {
        let n = b.count
        guard a.count == n * n else { throw ModelError(.shapeMismatch, "Cholesky.solve: A is \(a.count) values for n = \(n)") }
        var a = a, x = b
        try a.withUnsafeMutableBufferPointer { ap in
            try x.withUnsafeMutableBufferPointer { xp in try solve(ap.baseAddress!, xp.baseAddress!, n: n) }
        }
        return x
    }
}
