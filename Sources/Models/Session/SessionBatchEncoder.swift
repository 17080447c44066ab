import Linalg

/// Encodes many session windows at once for serving: the daemon's refresh hands it the windows
/// of the dirty users whose window changed, and every GRU step of a chunk of them is one sgemm
/// (the recurrent product `h · Uh`); the input part of each step is read from
/// `SessionInputTables` (three rows added), and the final projection is one more sgemm.
///
/// A window may come with the forward state carried from its previous encoding and the number
/// of steps appended since (`load(_:carried:pending:)`): the forward direction then runs those
/// steps only, from the carried state, so a window that grew by one step costs one forward step.
/// The forward state then reflects every step since the window was last encoded from scratch,
/// which may be more than the window holds. The backward direction always reads the window's
/// newest `backwardSteps` steps from zero (with `backwardSteps` 1, one step whose recurrent
/// product is zero, so no sgemm).
///
/// Chunks always have `chunk` rows (unused rows are empty windows), so every BLAS call has the
/// same shape and a window's vector does not depend on which others share its chunk. It may
/// differ in the last bits by the row it is loaded in: OpenBLAS's kernels unroll rows in blocks
/// and round the block tails their own way. Encoded from scratch, the vectors agree with
/// `BiGRUSessionModel.encode` up to float rounding (the tables add the input terms in another
/// order). Buffers are allocated once; `encode` allocates nothing. Not thread-safe: one owner at
/// a time (a trainer thread may build one and hand it to the thread that serves with it).
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
    /// Forward steps of each row (the newest ones of its loaded steps).
    private let forwardCounts: UnsafeMutablePointer<Int>
    /// Forward state each row starts from (zero, or carried), then the state it ends with.
    private let forwardState: UnsafeMutablePointer<Float>
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
    public convenience init(model: BiGRUSessionModel) {
        self.init(model: model, tables: SessionInputTables(model: model))
    }

    /// An encoder of the same model reading the same input tables (not copied: they are only read
    /// once built), with buffers of its own: it may encode on another thread beside `other`.
    public convenience init(sharingTablesOf other: SessionBatchEncoder) {
        self.init(model: other.model, tables: other.tables)
    }

    private init(model: BiGRUSessionModel, tables: SessionInputTables) {
        self.model = model
        l = model.layout
        self.tables = tables
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
        forwardCounts = .allocate(capacity: c)
        forwardCounts.initialize(repeating: 0, count: c)
        forwardState = floats(c * h)
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
        items.deallocate(); types.deallocate(); gaps.deallocate(); counts.deallocate(); forwardCounts.deallocate()
        for p in [hA, hB, gx, gh, gates, ghn, state, out, forwardState] { p.deallocate() }
    }

    /// Bytes of the precomputed input tables.
    public var tableBytes: Int { tables.floatCount * 4 }

    /// Whether the current chunk has no room left (encode it first).
    public var isFull: Bool { loaded == Self.chunk }

    /// Loads a window into the next row of the chunk (its newest `windowLength` steps), to be
    /// encoded from scratch, and returns the row. Steps whose item is outside `0..<itemCount` are
    /// left out, as `encode` does.
    @discardableResult
    public func load(_ w: SessionWindow) -> Int { load(w, carried: nil, pending: 0) }

    /// Loads a window into the next row of the chunk and returns the row. With `carried` (the
    /// forward state its previous encoding ended with, `hiddenSize` floats), the forward direction
    /// starts from it and reads only the newest `pending` steps (those appended since); without,
    /// it starts from zero and reads the whole window. Steps whose item is outside `0..<itemCount`
    /// are left out.
    @discardableResult
    public func load(_ w: SessionWindow, carried: UnsafePointer<Float>?, pending: Int) -> Int {
        precondition(loaded < Self.chunk, "SessionBatchEncoder chunk is full")
        let r = loaded, it = items + r * window, ty = types + r * window, ga = gaps + r * window
        let n = w.copyOrdered(items: it, types: ty, gaps: ga, maxCount: window, configuration: model.configuration)
        var kept = 0, keptNew = 0
        let known = Int32(l.itemCount), newFrom = n - min(n, pending)
        for i in 0..<n where it[i] >= 0 && it[i] < known {
            it[kept] = it[i]; ty[kept] = ty[i]; ga[kept] = ga[i]
            kept += 1
            if i >= newFrom { keptNew += 1 }
        }
        counts[r] = kept
        let start = forwardState + r * l.hidden
        if let carried {
            forwardCounts[r] = keptNew
            start.update(from: carried, count: l.hidden)
        } else {
            forwardCounts[r] = kept
            start.update(repeating: 0, count: l.hidden)
        }
        loaded += 1
        return r
    }

    /// Encodes the loaded windows; row `r`'s session vector is then `vector(r)` and its forward
    /// state `forwardHidden(r)`. Empty rows get the projection bias, like an empty window in
    /// `encode`. Starts a new chunk afterwards (the results stay readable until the next `encode`).
    public func encode() {
        let c = Self.chunk, h = l.hidden, h3 = 3 * h, p = model.parameters
        for r in loaded..<c {
            counts[r] = 0
            forwardCounts[r] = 0
            (forwardState + r * h).update(repeating: 0, count: h)
        }
        BLAS.withThreads(1) {
            // Forward: each row runs its newest `forwardCounts[r]` steps from its start state,
            // right-aligned so that every row ends at the last step.
            var steps = 0
            for r in 0..<c { steps = max(steps, forwardCounts[r]) }
            var hp = hA, hn = hB
            hp.update(from: forwardState, count: c * h)
            let f = l.gru(0)
            for s in 0..<steps {
                for r in 0..<c where forwardCounts[r] >= steps - s {
                    let k = r * window + counts[r] - steps + s
                    tables.gather(direction: 0, item: items[k], type: types[k], gap: gaps[k], into: gx + r * h3)
                }
                BLAS.gemm(transA: false, transB: false, m: c, n: h3, k: h, a: hp, lda: h,
                          b: p + f.uh, ldb: h3, c: gh, ldc: h3)
                GRUKernels.forward(rows: c, hidden: h, gx: gx, gh: gh, bhn: p + f.bhn, hPrev: hp,
                                   gates: gates, ghn: ghn, hOut: hn) { forwardCounts[$0] >= steps - s }
                swap(&hp, &hn)
            }
            forwardState.update(from: hp, count: c * h)
            for r in 0..<c { (state + r * l.stateDim).update(from: hp + r * h, count: h) }
            if l.directions == 2 {
                // Backward: the newest steps of each row, newest first, from zero.
                let b = l.gru(1), configuration = model.configuration, counts = counts
                let backward = { (r: Int) in configuration.backwardStepCount(of: counts[r]) }
                var longest = 0
                for r in 0..<c { longest = max(longest, backward(r)) }
                hp.update(repeating: 0, count: c * h)
                for s in 0..<longest {
                    for r in 0..<c where backward(r) > s {
                        let k = r * window + counts[r] - 1 - s
                        tables.gather(direction: 1, item: items[k], type: types[k], gap: gaps[k], into: gx + r * h3)
                    }
                    if s == 0 {
                        gh.update(repeating: 0, count: c * h3)
                    } else {
                        BLAS.gemm(transA: false, transB: false, m: c, n: h3, k: h, a: hp, lda: h,
                                  b: p + b.uh, ldb: h3, c: gh, ldc: h3)
                    }
                    GRUKernels.forward(rows: c, hidden: h, gx: gx, gh: gh, bhn: p + b.bhn, hPrev: hp,
                                       gates: gates, ghn: ghn, hOut: hn) { backward($0) > s }
                    swap(&hp, &hn)
                }
                for r in 0..<c { (state + r * l.stateDim + h).update(from: hp + r * h, count: h) }
            }
            for r in 0..<c { (out + r * l.embedding).update(from: p + l.projectionBias, count: l.embedding) }
            BLAS.gemm(transA: false, transB: false, m: c, n: l.embedding, k: l.stateDim, a: state, lda: l.stateDim,
                      b: p + l.projection, ldb: l.embedding, beta: 1, c: out, ldc: l.embedding)
        }
        loaded = 0
    }

    /// Forward state row `r` ended with after `encode` (`hiddenSize` floats): the state to carry
    /// into its next encoding.
    public func forwardHidden(_ r: Int) -> UnsafePointer<Float> { UnsafePointer(forwardState + r * l.hidden) }

    /// Width of a forward state.
    public var hiddenSize: Int { l.hidden }

    /// Session vector of row `r` after `encode` (`sessionDimension` floats).
    public func vector(_ r: Int) -> UnsafePointer<Float> { UnsafePointer(out + r * l.embedding) }
}
