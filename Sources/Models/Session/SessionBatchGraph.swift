import Linalg

/// Batched forward and backward pass of `BiGRUSessionModel` over windows aligned on their newest step.
///
/// Row `t * batch + b` of the step-major buffers is position `t` of example `b`; positions are
/// right-aligned so every window ends at `steps - 1`, and empty positions (item -1) leave the GRU
/// state untouched. Every GRU matmul of a time step covers the whole batch in one sgemm.
/// Buffers are allocated once for `maxBatch` examples and reused.
final class SessionBatchGraph {
    let model: BiGRUSessionModel
    let l: SessionParameterLayout
    let maxBatch: Int
    let window: Int
    let maxCandidates: Int
    private(set) var batch = 0
    private(set) var steps = 0

    // Inputs.
    let items: UnsafeMutablePointer<Int32>
    let types: UnsafeMutablePointer<UInt8>
    let gaps: UnsafeMutablePointer<UInt8>
    let targets: UnsafeMutablePointer<Int32>

    // Activations.
    let x: UnsafeMutablePointer<Float>
    let xMask: UnsafeMutablePointer<Float>
    let gx: [UnsafeMutablePointer<Float>]
    let gates: [UnsafeMutablePointer<Float>]
    let ghn: [UnsafeMutablePointer<Float>]
    let hs: [UnsafeMutablePointer<Float>]
    let state: UnsafeMutablePointer<Float>
    let stateMask: UnsafeMutablePointer<Float>
    /// Session vectors of the batch (batch × E) after `forward`.
    let sessions: UnsafeMutablePointer<Float>
    let logits: UnsafeMutablePointer<Float>
    let candidates: UnsafeMutablePointer<Int32>
    let candidateEmbedding: UnsafeMutablePointer<Float>
    let candidateBias: UnsafeMutablePointer<Float>

    // Gradient scratch.
    let dSessions: UnsafeMutablePointer<Float>
    let dState: UnsafeMutablePointer<Float>
    let dh: UnsafeMutablePointer<Float>
    let dhPrev: UnsafeMutablePointer<Float>
    let dgh: UnsafeMutablePointer<Float>
    let dx: UnsafeMutablePointer<Float>
    let dCandidates: UnsafeMutablePointer<Float>

    private var allocations: [UnsafeMutableRawPointer] = []
    private var dropoutUsed = false

    init(model: BiGRUSessionModel, maxBatch: Int, maxNegatives: Int = 0) {
        self.model = model
        l = model.layout
        self.maxBatch = maxBatch
        window = model.configuration.windowLength
        maxCandidates = max(l.itemCount, maxBatch + maxNegatives)
        var owned: [UnsafeMutableRawPointer] = []
        func floats(_ n: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(n, 1))
            p.initialize(repeating: 0, count: max(n, 1))
            owned.append(UnsafeMutableRawPointer(p))
            return p
        }
        let layout = model.layout
        let rows = model.configuration.windowLength * maxBatch, h = layout.hidden, directions = layout.directions
        items = .allocate(capacity: rows)
        items.initialize(repeating: -1, count: rows)
        types = .allocate(capacity: rows)
        types.initialize(repeating: 0, count: rows)
        gaps = .allocate(capacity: rows)
        gaps.initialize(repeating: 0, count: rows)
        targets = .allocate(capacity: maxBatch)
        targets.initialize(repeating: 0, count: maxBatch)
        candidates = .allocate(capacity: maxCandidates)
        candidates.initialize(repeating: 0, count: maxCandidates)
        x = floats(rows * l.inputDim)
        xMask = floats(rows * l.inputDim)
        let statesPerDirection = (model.configuration.windowLength + 1) * maxBatch * h
        gx = (0..<directions).map { _ in floats(rows * 3 * h) }
        gates = (0..<directions).map { _ in floats(rows * 3 * h) }
        ghn = (0..<directions).map { _ in floats(rows * h) }
        hs = (0..<directions).map { _ in floats(statesPerDirection) }
        state = floats(maxBatch * l.stateDim)
        stateMask = floats(maxBatch * l.stateDim)
        sessions = floats(maxBatch * l.embedding)
        logits = floats(maxBatch * maxCandidates)
        candidateEmbedding = floats(maxCandidates * l.embedding)
        candidateBias = floats(maxCandidates)
        dSessions = floats(maxBatch * l.embedding)
        dState = floats(maxBatch * l.stateDim)
        dh = floats(maxBatch * h)
        dhPrev = floats(maxBatch * h)
        dgh = floats(maxBatch * 3 * h)
        dx = floats(rows * l.inputDim)
        dCandidates = floats(maxCandidates * l.embedding)
        allocations = owned
    }

    deinit {
        for p in allocations { p.deallocate() }
        items.deallocate()
        types.deallocate()
        gaps.deallocate()
        targets.deallocate()
        candidates.deallocate()
    }

    // MARK: - Inputs

    /// Starts a batch of `batch` examples over `steps` positions, all empty.
    func prepare(batch: Int, steps: Int) {
        precondition(batch > 0 && batch <= maxBatch && steps > 0 && steps <= window)
        self.batch = batch
        self.steps = steps
        items.update(repeating: -1, count: batch * steps)
        types.update(repeating: 0, count: batch * steps)
        gaps.update(repeating: 0, count: batch * steps)
    }

    /// Sets position `t` (0-based, newest at `steps - 1`) of example `b`.
    @inline(__always)
    func set(example b: Int, position t: Int, item: Int32, type: UInt8, gap: UInt8) {
        let r = t * batch + b
        items[r] = item
        types[r] = min(type, UInt8(l.typeCount - 1))
        gaps[r] = min(gap, UInt8(l.gapCount - 1))
    }

    /// Loads a window (oldest first, at most `steps` long) right-aligned into example `b`;
    /// the first loaded step gets gap bucket 0.
    func load(example b: Int, window steps: ArraySlice<SessionStep>, target: Int32, configuration: SessionModelConfiguration) {
        let n = min(steps.count, self.steps)
        let first = steps.endIndex - n
        var previous: Int64? = nil
        for (i, p) in (first..<steps.endIndex).enumerated() {
            let s = steps[p]
            let gap: UInt8
            if i > 0, let now = s.timestampMs, let before = previous {
                gap = configuration.gapBucket(milliseconds: now - before)
            } else {
                gap = 0
            }
            previous = s.timestampMs
            set(example: b, position: self.steps - n + i, item: s.item, type: s.type, gap: gap)
        }
        targets[b] = target
    }

    // MARK: - Forward

    /// Runs the encoder over the prepared batch; `sessions` then holds one vector per example.
    func forward(dropout: Float, rng: inout SeededGenerator) {
        let p = model.parameters
        let B = batch, L = steps, D = l.inputDim, h = l.hidden, h3 = 3 * h, rows = B * L
        let keep = 1 / (1 - dropout)
        dropoutUsed = dropout > 0
        for r in 0..<rows {
            let xr = x + r * D
            let item = Int(items[r])
            guard item >= 0 else { xr.update(repeating: 0, count: D); continue }
            xr.update(from: p + l.itemIn + item * l.embedding, count: l.embedding)
            if l.attributeCount > 0 {
                model.itemFeatures.addTerm(item: item, table: p + l.attributeEmbedding, width: l.embedding, into: xr)
            }
            if l.typeDim > 0 {
                (xr + l.embedding).update(from: p + l.typeEmbedding + Int(types[r]) * l.typeDim, count: l.typeDim)
            }
            if l.gapDim > 0 {
                (xr + l.embedding + l.typeDim).update(from: p + l.gapEmbedding + Int(gaps[r]) * l.gapDim, count: l.gapDim)
            }
            if dropoutUsed {
                let m = xMask + r * D
                for k in 0..<D {
                    let v: Float = rng.nextUnit() < dropout ? 0 : keep
                    m[k] = v
                    xr[k] *= v
                }
            }
        }
        for d in 0..<l.directions {
            let g = l.gru(d)
            // The backward direction reads the newest `Ls` positions only (rows from `first * B`).
            let Ls = d == 0 ? L : model.configuration.backwardStepCount(of: L), first = L - Ls
            BLAS.gemm(transA: false, transB: false, m: Ls * B, n: h3, k: D, a: x + first * B * D, lda: D,
                      b: p + g.wx, ldb: h3, c: gx[d] + first * B * h3, ldc: h3)
            for r in (first * B)..<rows { BLAS.axpy(h3, 1, p + g.bx, gx[d] + r * h3) }
            hs[d].update(repeating: 0, count: B * h)
            for s in 0..<Ls {
                let t = d == 0 ? s : L - 1 - s
                let hPrev = hs[d] + s * B * h
                BLAS.gemm(transA: false, transB: false, m: B, n: h3, k: h, a: hPrev, lda: h,
                          b: p + g.uh, ldb: h3, c: dgh, ldc: h3)
                let base = items + t * B
                GRUKernels.forward(rows: B, hidden: h, gx: gx[d] + t * B * h3, gh: dgh, bhn: p + g.bhn,
                                   hPrev: hPrev, gates: gates[d] + s * B * h3, ghn: ghn[d] + s * B * h,
                                   hOut: hPrev + B * h) { base[$0] >= 0 }
            }
            let final = hs[d] + Ls * B * h
            for b in 0..<B { (state + b * l.stateDim + d * h).update(from: final + b * h, count: h) }
        }
        if dropoutUsed {
            for i in 0..<(B * l.stateDim) {
                let v: Float = rng.nextUnit() < dropout ? 0 : keep
                stateMask[i] = v
                state[i] *= v
            }
        }
        for b in 0..<B { (sessions + b * l.embedding).update(from: p + l.projectionBias, count: l.embedding) }
        BLAS.gemm(transA: false, transB: false, m: B, n: l.embedding, k: l.stateDim, a: state, lda: l.stateDim,
                  b: p + l.projection, ldb: l.embedding, beta: 1, c: sessions, ldc: l.embedding)
    }

    // MARK: - Loss and backward

    /// Mean loss of the batch against `targets`; when `gradient` is given, adds the gradient of
    /// that mean loss with respect to every weight into it (same layout as the parameters).
    /// `negatives` are the sampled items of the sampled losses (ignored by the full softmax).
    func loss(_ kind: SessionLoss, negatives: UnsafeBufferPointer<Int32>, gradient: UnsafeMutablePointer<Float>?) -> Double {
        let B = batch, E = l.embedding, p = model.parameters
        let scale = 1 / Float(B)
        var total = 0.0
        switch kind {
        case .fullSoftmax:
            let N = l.itemCount
            for b in 0..<B { (logits + b * N).update(from: p + l.itemBias, count: N) }
            BLAS.gemmABt(m: B, n: N, k: E, a: sessions, lda: E, b: p + l.itemOut, ldb: E, beta: 1, c: logits, ldc: N)
            for b in 0..<B {
                total += softmaxRow(logits + b * N, N, label: Int(targets[b]), scale: scale)
            }
            guard let grad = gradient else { return total / Double(B) }
            BLAS.gemm(transA: true, transB: false, m: N, n: E, k: B, a: logits, lda: N, b: sessions, ldb: E,
                      beta: 1, c: grad + l.itemOut, ldc: E)
            for b in 0..<B { BLAS.axpy(N, 1, logits + b * N, grad + l.itemBias) }
            BLAS.gemm(transA: false, transB: false, m: B, n: E, k: N, a: logits, lda: N, b: p + l.itemOut, ldb: E,
                      c: dSessions, ldc: E)
            backward(into: grad)
        case .sampledSoftmax, .bpr:
            let C = B + negatives.count
            for b in 0..<B { candidates[b] = targets[b] }
            for (i, n) in negatives.enumerated() { candidates[B + i] = n }
            for c in 0..<C {
                let item = Int(candidates[c])
                (candidateEmbedding + c * E).update(from: p + l.itemOut + item * E, count: E)
                candidateBias[c] = p[l.itemBias + item]
            }
            for b in 0..<B { (logits + b * C).update(from: candidateBias, count: C) }
            BLAS.gemmABt(m: B, n: C, k: E, a: sessions, lda: E, b: candidateEmbedding, ldb: E, beta: 1, c: logits, ldc: C)
            if case .bpr = kind {
                total = bprRows(C: C, scale: scale)
            } else {
                for b in 0..<B {
                    let row = logits + b * C
                    // Another example's identical target is not a negative.
                    for c in 0..<C where c != b && candidates[c] == targets[b] { row[c] = -.infinity }
                    total += softmaxRow(row, C, label: b, scale: scale)
                }
            }
            guard let grad = gradient else { return total / Double(B) }
            BLAS.gemm(transA: true, transB: false, m: C, n: E, k: B, a: logits, lda: C, b: sessions, ldb: E,
                      c: dCandidates, ldc: E)
            for c in 0..<C {
                let item = Int(candidates[c])
                BLAS.axpy(E, 1, dCandidates + c * E, grad + l.itemOut + item * E)
                var db: Float = 0
                for b in 0..<B { db += logits[b * C + c] }
                grad[l.itemBias + item] += db
            }
            BLAS.gemm(transA: false, transB: false, m: B, n: E, k: C, a: logits, lda: C, b: candidateEmbedding, ldb: E,
                      c: dSessions, ldc: E)
            backward(into: grad)
        }
        return total / Double(B)
    }

    /// Softmax cross-entropy of one row; leaves `scale * (softmax - onehot)` in the row.
    @inline(__always)
    private func softmaxRow(_ row: UnsafeMutablePointer<Float>, _ n: Int, label: Int, scale: Float) -> Double {
        let target = row[label]
        let m = SessionMath.maximum(row, n)
        let sum = SessionMath.expShiftedSum(row, n, shift: m)
        let loss = Double(m) + log(Double(sum)) - Double(target)
        BLAS.scal(n, scale / sum, row)
        row[label] -= scale
        return loss
    }

    /// BPR over the sampled columns `batch..<C`; leaves the logit gradients in `logits`.
    private func bprRows(C: Int, scale: Float) -> Double {
        let B = batch, negativeCount = C - B
        var total = 0.0
        for b in 0..<B {
            let row = logits + b * C
            let positive = row[b]
            var dPositive: Float = 0
            for c in 0..<C {
                guard c >= B, candidates[c] != targets[b] else { if c != b { row[c] = 0 }; continue }
                let diff = row[c] - positive
                total += Double(SessionMath.softplus(diff)) / Double(negativeCount)
                let g = SessionMath.sigmoid(diff) * scale / Float(negativeCount)
                row[c] = g
                dPositive -= g
            }
            row[b] = dPositive
        }
        return total
    }

    /// Back-propagates `dSessions` through the projection, both GRUs and the embeddings (item,
    /// attribute table, type, gap).
    private func backward(into grad: UnsafeMutablePointer<Float>) {
        let p = model.parameters
        let B = batch, L = steps, D = l.inputDim, h = l.hidden, h3 = 3 * h, rows = B * L, E = l.embedding, S = l.stateDim
        BLAS.gemm(transA: true, transB: false, m: S, n: E, k: B, a: state, lda: S, b: dSessions, ldb: E,
                  beta: 1, c: grad + l.projection, ldc: E)
        for b in 0..<B { BLAS.axpy(E, 1, dSessions + b * E, grad + l.projectionBias) }
        BLAS.gemm(transA: false, transB: true, m: B, n: S, k: E, a: dSessions, lda: E, b: p + l.projection, ldb: E,
                  c: dState, ldc: S)
        if dropoutUsed {
            for i in 0..<(B * S) { dState[i] *= stateMask[i] }
        }
        for d in 0..<l.directions {
            let g = l.gru(d)
            for b in 0..<B { (dh + b * h).update(from: dState + b * S + d * h, count: h) }
            var current = dh, previous = dhPrev
            let Ls = d == 0 ? L : model.configuration.backwardStepCount(of: L), first = L - Ls, used = Ls * B
            for s in stride(from: Ls - 1, through: 0, by: -1) {
                let t = d == 0 ? s : L - 1 - s
                let hPrev = hs[d] + s * B * h
                let base = items + t * B
                GRUKernels.backward(rows: B, hidden: h, dh: current, gates: gates[d] + s * B * h3, ghn: ghn[d] + s * B * h,
                                    hPrev: hPrev, dgx: gx[d] + t * B * h3, dgh: dgh, dhPrev: previous,
                                    dbhn: grad + g.bhn) { base[$0] >= 0 }
                BLAS.gemm(transA: true, transB: false, m: h, n: h3, k: B, a: hPrev, lda: h, b: dgh, ldb: h3,
                          beta: 1, c: grad + g.uh, ldc: h3)
                if s > 0 {
                    BLAS.gemm(transA: false, transB: true, m: B, n: h, k: h3, a: dgh, lda: h3, b: p + g.uh, ldb: h3,
                              beta: 1, c: previous, ldc: h)
                }
                swap(&current, &previous)
            }
            BLAS.gemm(transA: true, transB: false, m: D, n: h3, k: used, a: x + first * B * D, lda: D,
                      b: gx[d] + first * B * h3, ldb: h3, beta: 1, c: grad + g.wx, ldc: h3)
            for r in (first * B)..<rows { BLAS.axpy(h3, 1, gx[d] + r * h3, grad + g.bx) }
            BLAS.gemm(transA: false, transB: true, m: used, n: D, k: h3, a: gx[d] + first * B * h3, lda: h3,
                      b: p + g.wx, ldb: h3, beta: d == 0 ? 0 : 1, c: dx + first * B * D, ldc: D)
        }
        for r in 0..<rows {
            let item = Int(items[r])
            guard item >= 0 else { continue }
            let g = dx + r * D
            if dropoutUsed {
                let m = xMask + r * D
                for k in 0..<D { g[k] *= m[k] }
            }
            BLAS.axpy(E, 1, g, grad + l.itemIn + item * E)
            if l.attributeCount > 0 {
                model.itemFeatures.accumulate(item: item, gradient: g, width: E, into: grad + l.attributeEmbedding)
            }
            if l.typeDim > 0 { BLAS.axpy(l.typeDim, 1, g + E, grad + l.typeEmbedding + Int(types[r]) * l.typeDim) }
            if l.gapDim > 0 {
                BLAS.axpy(l.gapDim, 1, g + E + l.typeDim, grad + l.gapEmbedding + Int(gaps[r]) * l.gapDim)
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
