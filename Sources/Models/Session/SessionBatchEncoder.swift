import Linalg

/// Encodes many session windows at once for serving: the daemon's refresh hands it the windows
/// of the dirty users whose window changed, and every GRU step of a chunk of them is one sgemm
/// (the recurrent product `h · Uh`); the input part of each step is read from
/// `SessionInputTables` (three rows added), and the final projection is one more sgemm.
///
/// Chunks always have `chunk` rows (unused rows are empty windows), so every BLAS call has the
/// same shape and a window's vector does not depend on which others share its chunk. It may
/// differ in the last bits by the row it is loaded in: OpenBLAS's kernels unroll rows in blocks
/// and round the block tails their own way. The vectors agree with `BiGRUSessionModel.encode` up to
/// float rounding (the tables add the input terms in another order). Buffers are allocated once;
/// `encode` allocates nothing. Not thread-safe: one owner at a time (a trainer thread may build
/// one and hand it to the thread that serves with it).
public final class SessionBatchEncoder: @unchecked Sendable {
    /// Rows of every chunk.
    public static let chunk = 32
    /// The model it encodes for.
    public let model: BiGRUSessionModel
    let tables: SessionInputTables
    private let l: SessionParameterLayout
    private let window: Int
    private let items: UnsafeMutablePointer<Int32>
    private let types: UnsafeMutablePointer<UInt8>
    private let gaps: UnsafeMutablePointer<UInt8>
    private let counts: UnsafeMutablePointer<Int>
    private let hA: UnsafeMutablePointer<Float>
    private let hB: UnsafeMutablePointer<Float>
    private let gx: UnsafeMutablePointer<Float>
    private let gh: UnsafeMutablePointer<Float>
    private let gates: UnsafeMutablePointer<Float>
    private let ghn: UnsafeMutablePointer<Float>
    private let state: UnsafeMutablePointer<Float>
    private let out: UnsafeMutablePointer<Float>
    /// Windows loaded into the current chunk.
    public private(set) var loaded = 0

    /// Creates an encoder for `model` and builds its input tables (one sgemm per table block).
    public init(model: BiGRUSessionModel) {
        self.model = model
        l = model.layout
        tables = SessionInputTables(model: model)
        window = model.configuration.windowLength
        let c = Self.chunk, h = l.hidden
        func floats(_ n: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: n)
            p.initialize(repeating: 0, count: n)
            return p
        }
        items = .allocate(capacity: c * window)
        items.initialize(repeating: 0, count: c * window)
        types = .allocate(capacity: c * window)
        types.initialize(repeating: 0, count: c * window)
        gaps = .allocate(capacity: c * window)
        gaps.initialize(repeating: 0, count: c * window)
        counts = .allocate(capacity: c)
        counts.initialize(repeating: 0, count: c)
        hA = floats(c * h)
        hB = floats(c * h)
        gx = floats(c * 3 * h)
        gh = floats(c * 3 * h)
        gates = floats(c * 3 * h)
        ghn = floats(c * h)
        state = floats(c * l.stateDim)
        out = floats(c * l.embedding)
    }

    deinit {
        items.deallocate(); types.deallocate(); gaps.deallocate(); counts.deallocate()
        for p in [hA, hB, gx, gh, gates, ghn, state, out] { p.deallocate() }
    }

    /// Bytes of the precomputed input tables.
    public var tableBytes: Int { tables.floatCount * 4 }

    /// Whether the current chunk has no room left (encode it first).
    public var isFull: Bool { loaded == Self.chunk }

    /// Loads a window into the next row of the chunk (its newest `windowLength` steps) and returns
    /// the row. Steps whose item is outside `0..<itemCount` are left out, as `encode` does.
    @discardableResult
    public func load(_ w: SessionWindow) -> Int {
        precondition(loaded < Self.chunk, "SessionBatchEncoder chunk is full")
        let r = loaded, it = items + r * window, ty = types + r * window, ga = gaps + r * window
        let n = w.copyOrdered(items: it, types: ty, gaps: ga, maxCount: window, configuration: model.configuration)
        var kept = 0
        let known = Int32(l.itemCount)
        for i in 0..<n where it[i] >= 0 && it[i] < known {
            it[kept] = it[i]; ty[kept] = ty[i]; ga[kept] = ga[i]
            kept += 1
        }
        counts[r] = kept
        loaded += 1
        return r
    }

    /// Encodes the loaded windows; row `r`'s session vector is then `vector(r)`. Empty rows get the
    /// projection bias, like an empty window in `encode`. Starts a new chunk afterwards (the
    /// vectors stay readable until the next `encode`).
    public func encode() {
        let c = Self.chunk, h = l.hidden, h3 = 3 * h, p = model.parameters
        for r in loaded..<c { counts[r] = 0 }
        var steps = 0
        for r in 0..<c { steps = max(steps, counts[r]) }
        BLAS.withThreads(1) {
            for d in 0..<l.directions {
                let g = l.gru(d)
                var hp = hA, hn = hB
                hp.update(repeating: 0, count: c * h)
                for s in 0..<steps {
                    let t = d == 0 ? s : steps - 1 - s
                    for r in 0..<c {
                        let i = t - (steps - counts[r])
                        guard i >= 0 else { continue }
                        let k = r * window + i
                        tables.gather(direction: d, item: items[k], type: types[k], gap: gaps[k], into: gx + r * h3)
                    }
                    BLAS.gemm(transA: false, transB: false, m: c, n: h3, k: h, a: hp, lda: h,
                              b: p + g.uh, ldb: h3, c: gh, ldc: h3)
                    let first = steps - t
                    GRUKernels.forward(rows: c, hidden: h, gx: gx, gh: gh, bhn: p + g.bhn, hPrev: hp,
                                       gates: gates, ghn: ghn, hOut: hn) { counts[$0] >= first }
                    swap(&hp, &hn)
                }
                for r in 0..<c { (state + r * l.stateDim + d * h).update(from: hp + r * h, count: h) }
            }
            for r in 0..<c { (out + r * l.embedding).update(from: p + l.projectionBias, count: l.embedding) }
            BLAS.gemm(transA: false, transB: false, m: c, n: l.embedding, k: l.stateDim, a: state, lda: l.stateDim,
                      b: p + l.projection, ldb: l.embedding, beta: 1, c: out, ldc: l.embedding)
        }
        loaded = 0
    }

    /// Session vector of row `r` after `encode` (`sessionDimension` floats).
    public func vector(_ r: Int) -> UnsafePointer<Float> { UnsafePointer(out + r * l.embedding) }
}
