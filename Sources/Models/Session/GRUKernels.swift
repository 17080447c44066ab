import Linalg

/// Elementwise parts of one GRU step, forward and backward, over a batch of rows.
///
/// Gate layout per row: `[z | r | n]`, each H wide. The candidate uses the reset gate after the
/// recurrent product: `n = tanh(gx_n + r * (h U_n + b_hn))`, so `h U` for all three gates is one sgemm.
enum GRUKernels {
    /// Computes gates and the new state for `rows` rows.
    ///
    /// - gx: input part `x Wx + bx`, rows × 3H. - gh: recurrent product `h U`, rows × 3H.
    /// - gates: receives z, r, n (rows × 3H). - ghn: receives `h U_n + b_hn` (rows × H).
    /// - valid(b): false rows keep their previous state.
    @inline(__always)
    static func forward(
        rows: Int, hidden h: Int,
        gx: UnsafePointer<Float>, gh: UnsafePointer<Float>, bhn: UnsafePointer<Float>,
        hPrev: UnsafePointer<Float>, gates: UnsafeMutablePointer<Float>, ghn: UnsafeMutablePointer<Float>,
        hOut: UnsafeMutablePointer<Float>, valid: (Int) -> Bool
    ) {
        let h3 = 3 * h
        for b in 0..<rows {
            let g = gates + b * h3, x = gx + b * h3, r = gh + b * h3
            let hp = hPrev + b * h, ho = hOut + b * h, gn = ghn + b * h
            guard valid(b) else {
                ho.update(from: hp, count: h)
                continue
            }
            for j in 0..<(2 * h) { g[j] = x[j] + r[j] }
            SessionMath.map(g, 2 * h, SessionMath.sigmoid)
            for j in 0..<h {
                let hn = r[2 * h + j] + bhn[j]
                gn[j] = hn
                g[2 * h + j] = x[2 * h + j] + g[h + j] * hn
            }
            SessionMath.map(g + 2 * h, h, SessionMath.tanh)
            for j in 0..<h {
                let z = g[j], n = g[2 * h + j]
                ho[j] = n + z * (hp[j] - n)
            }
        }
    }

    /// Backward through the elementwise part of one step.
    ///
    /// - dh: gradient with respect to this step's output state (rows × H).
    /// - dgx: receives the gradient of the input pre-activations (rows × 3H).
    /// - dgh: receives the gradient of `h U` (rows × 3H).
    /// - dhPrev: receives the direct part of the gradient of the previous state (the `z * h` path,
    ///   or all of `dh` for rows that are not valid); the caller adds `dgh · Uᵀ`.
    /// - dbhn: accumulates the gradient of `b_hn`.
    @inline(__always)
    static func backward(
        rows: Int, hidden h: Int,
        dh: UnsafePointer<Float>, gates: UnsafePointer<Float>, ghn: UnsafePointer<Float>, hPrev: UnsafePointer<Float>,
        dgx: UnsafeMutablePointer<Float>, dgh: UnsafeMutablePointer<Float>, dhPrev: UnsafeMutablePointer<Float>,
        dbhn: UnsafeMutablePointer<Float>, valid: (Int) -> Bool
    ) {
        let h3 = 3 * h
        for b in 0..<rows {
            let d = dh + b * h, g = gates + b * h3, gn = ghn + b * h, hp = hPrev + b * h
            let ox = dgx + b * h3, oh = dgh + b * h3, dp = dhPrev + b * h
            guard valid(b) else {
                ox.update(repeating: 0, count: h3)
                oh.update(repeating: 0, count: h3)
                dp.update(from: d, count: h)
                continue
            }
            for j in 0..<h {
                let z = g[j], r = g[h + j], n = g[2 * h + j], dj = d[j]
                let dan = dj * (1 - z) * (1 - n * n)
                let daz = dj * (hp[j] - n) * z * (1 - z)
                let dar = dan * gn[j] * r * (1 - r)
                ox[j] = daz; ox[h + j] = dar; ox[2 * h + j] = dan
                oh[j] = daz; oh[h + j] = dar; oh[2 * h + j] = dan * r
                dbhn[j] += dan * r
                dp[j] = dj * z
            }
        }
    }
}
