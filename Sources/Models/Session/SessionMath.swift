/// Vectorised elementwise functions for the session model's hot loops (exp, sigmoid, tanh, reductions).
///
/// `exp` uses Cody–Waite range reduction and a degree-6 polynomial: relative error about 2e-7
/// over the whole Float range, with inputs clamped to [-87.3, 88.3].
enum SessionMath {
    typealias V = SIMD16<Float>

    @inline(__always)
    static func exp(_ x: V) -> V {
        // `replace(with:where:)` compiles to vector selects; `clamped` does not (measured 80x slower).
        var xc = x
        xc.replace(with: V(repeating: -87.3), where: xc .< V(repeating: -87.3))
        xc.replace(with: V(repeating: 88.3), where: xc .> V(repeating: 88.3))
        let magic = V(repeating: 12_582_912)  // 1.5 * 2^23: adding it rounds to an integer
        let tk = xc * V(repeating: 1.442_695_04) + magic
        let k = tk - magic
        let ki = unsafeBitCast(tk, to: SIMD16<Int32>.self) &- SIMD16<Int32>(repeating: 0x4B40_0000)
        var y = xc - k * V(repeating: 0.693_145_751_953_125)
        y -= k * V(repeating: 1.428_606_765_330_187e-6)
        var p = V(repeating: 1.0 / 720)
        p = p * y + V(repeating: 1.0 / 120)
        p = p * y + V(repeating: 1.0 / 24)
        p = p * y + V(repeating: 1.0 / 6)
        p = p * y + V(repeating: 0.5)
        p = p * y + V(repeating: 1)
        p = p * y + V(repeating: 1)
        let scale = unsafeBitCast((ki &+ SIMD16<Int32>(repeating: 127)) &<< SIMD16<Int32>(repeating: 23), to: V.self)
        return p * scale
    }

    /// Applies `f` to `n` floats in place, 16 at a time (the tail goes through a padded vector).
    @inline(__always)
    static func map(_ p: UnsafeMutablePointer<Float>, _ n: Int, _ f: (V) -> V) {
        var i = 0
        let raw = UnsafeMutableRawPointer(p)
        while i + 16 <= n {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: V.self)
            raw.storeBytes(of: f(v), toByteOffset: i * 4, as: V.self)
            i += 16
        }
        if i < n {
            var v = V(repeating: 0)
            for j in 0..<(n - i) { v[j] = p[i + j] }
            let r = f(v)
            for j in 0..<(n - i) { p[i + j] = r[j] }
        }
    }

    @inline(__always)
    static func sigmoid(_ x: V) -> V { 1 / (1 + exp(-x)) }

    @inline(__always)
    static func tanh(_ x: V) -> V { 2 / (1 + exp(-2 * x)) - 1 }

    /// `p[i] = exp(p[i] - shift)` for `n` floats; returns their sum.
    @inline(__always)
    static func expShiftedSum(_ p: UnsafeMutablePointer<Float>, _ n: Int, shift: Float) -> Float {
        var acc = V(repeating: 0)
        let s = V(repeating: shift)
        let raw = UnsafeMutableRawPointer(p)
        var i = 0
        while i + 16 <= n {
            let v = exp(raw.loadUnaligned(fromByteOffset: i * 4, as: V.self) - s)
            raw.storeBytes(of: v, toByteOffset: i * 4, as: V.self)
            acc += v
            i += 16
        }
        var total = acc.sum()
        if i < n {
            var v = V(repeating: -.infinity)
            for j in 0..<(n - i) { v[j] = p[i + j] }
            let r = exp(v - s)
            for j in 0..<(n - i) { p[i + j] = r[j]; total += r[j] }
        }
        return total
    }

    /// Largest of `n` floats (`-infinity` when `n == 0`).
    @inline(__always)
    static func maximum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = V(repeating: -.infinity)
        let raw = UnsafeRawPointer(p)
        var i = 0
        while i + 16 <= n {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: V.self)
            acc.replace(with: v, where: v .> acc)
            i += 16
        }
        var m = acc.max()
        while i < n { m = Swift.max(m, p[i]); i += 1 }
        return m
    }

    /// `y[0..<n] = (accumulate ? y : 0) + Σ_k x[k] · a[k * n ..< k * n + n]`: a row vector times a
    /// row-major `k×n` matrix, in plain vectorised loops. The per-event path uses it instead of BLAS
    /// because OpenBLAS hands shapes this small to its worker threads, which costs latency.
    @inline(__always)
    static func vectorTimesMatrix(_ x: UnsafePointer<Float>, _ k: Int, _ a: UnsafePointer<Float>, _ n: Int,
                                  into y: UnsafeMutablePointer<Float>, accumulate: Bool) {
        if !accumulate { y.update(repeating: 0, count: n) }
        var i = 0
        // Four rows per pass keeps y in registers for longer.
        while i + 4 <= k {
            let x0 = x[i], x1 = x[i + 1], x2 = x[i + 2], x3 = x[i + 3]
            let r0 = a + i * n, r1 = r0 + n, r2 = r1 + n, r3 = r2 + n
            for j in 0..<n { y[j] += x0 * r0[j] + x1 * r1[j] + x2 * r2[j] + x3 * r3[j] }
            i += 4
        }
        while i < k {
            let xi = x[i], r = a + i * n
            for j in 0..<n { y[j] += xi * r[j] }
            i += 1
        }
    }

    /// Scalar sigmoid with the same accuracy as the vector path.
    @inline(__always)
    static func sigmoid(_ x: Float) -> Float { sigmoid(V(repeating: x))[0] }

    /// `log(1 + e^x)` without overflow.
    @inline(__always)
    static func softplus(_ x: Float) -> Float {
        x > 0 ? x + Float(sessionLog1p(Double(exp(V(repeating: -x))[0]))) : Float(sessionLog1p(Double(exp(V(repeating: x))[0])))
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) fileprivate func sessionLog1p(_ x: Double) -> Double { Glibc.log1p(x) }
#elseif canImport(Musl)
import Musl
@inline(__always) fileprivate func sessionLog1p(_ x: Double) -> Double { Musl.log1p(x) }
#elseif canImport(Darwin)
import Darwin
@inline(__always) fileprivate func sessionLog1p(_ x: Double) -> Double { Darwin.log1p(x) }
#endif
