import Linalg

/// Bidirectional GRU session encoder: reads a user's last W interactions (item, event type and
/// time-gap embeddings) with a forward and a backward GRU (the backward one reads the newest
/// `backwardSteps` steps, or the whole window), concatenates their final states and projects them into the item-score space, where `score(item) = session · itemOutᵀ + itemBias`.
/// With attributes (`configuration.attributeCount > 0`) an item's input embedding is its own
/// embedding plus its attribute term from a learned attribute table (see `SessionItemFeatures`).
///
/// All weights live in one contiguous Float buffer. The model is not mutated after training, so
/// one instance may be read by many threads at once; each thread brings its own `SessionWorkspace`.
public final class BiGRUSessionModel: @unchecked Sendable {
    /// The shape and settings this model was built with.
    public let configuration: SessionModelConfiguration
    let layout: SessionParameterLayout
    /// Every weight, laid out as `layout` says.
    let parameters: UnsafeMutablePointer<Float>
    /// Which attribute-table rows make each item's attribute term (empty without attributes).
    public let itemFeatures: SessionItemFeatures

    /// Builds a model with freshly initialised weights (seeded by `configuration.seed`).
    ///
    /// `itemFeatures` (one row per item, `configuration.attributeCount` columns) is required when
    /// `attributeCount > 0` and must be nil otherwise.
    public convenience init(configuration: SessionModelConfiguration, itemFeatures: SessionItemFeatures? = nil) throws {
        try configuration.validate()
        let features = try Self.checkedFeatures(itemFeatures, for: configuration)
        self.init(validated: configuration, features: features)
        var rng = SeededGenerator(seed: configuration.seed)
        initializeWeights(&rng)
    }

    /// Builds a model with zero weights from a configuration (and features) already validated.
    init(validated configuration: SessionModelConfiguration, features: SessionItemFeatures? = nil) {
        self.configuration = configuration
        self.layout = SessionParameterLayout(configuration)
        self.parameters = .allocate(capacity: layout.total)
        parameters.initialize(repeating: 0, count: layout.total)
        itemFeatures = features ?? .empty(itemCount: configuration.itemCount)
    }

    /// `features` if it fits `c` (or the empty matrix when `c` has no attributes); throws otherwise.
    static func checkedFeatures(_ features: SessionItemFeatures?, for c: SessionModelConfiguration) throws -> SessionItemFeatures {
        guard let features else {
            guard c.attributeCount == 0 else {
                throw SessionModelError(.invalidConfiguration, "attributeCount is \(c.attributeCount) but no item features were given")
            }
            return .empty(itemCount: c.itemCount)
        }
        guard features.itemCount == c.itemCount, features.featureCount == c.attributeCount else {
            throw SessionModelError(.invalidConfiguration,
                                    "item features are \(features.itemCount) × \(features.featureCount); the model needs \(c.itemCount) × \(c.attributeCount)")
        }
        return features
    }

    deinit { parameters.deallocate() }

    /// Number of trainable Float weights (tied embeddings count once).
    public var parameterCount: Int { layout.total }

    /// Number of items the model scores.
    public var itemCount: Int { layout.itemCount }

    /// Width of a session vector (the item embedding width).
    public var sessionDimension: Int { layout.embedding }

    /// A 64-bit fingerprint of the weights (FNV-1a over every 61st weight's bits and the weight
    /// count): two models with other weights almost surely differ in it. O(weights / 61).
    public func weightFingerprint() -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        func mix(_ v: UInt64) { h = (h ^ v) &* 0x0000_0100_0000_01B3 }
        mix(UInt64(layout.total))
        for i in stride(from: 0, to: layout.total, by: 61) { mix(UInt64(parameters[i].bitPattern)) }
        return h
    }

    /// An independent copy with identical weights.
    public func copy() -> BiGRUSessionModel {
        let other = BiGRUSessionModel(validated: configuration, features: itemFeatures)
        other.parameters.update(from: parameters, count: layout.total)
        return other
    }

    private func initializeWeights(_ rng: inout SeededGenerator) {
        let l = layout
        func gaussian(_ offset: Int, _ count: Int, _ std: Float) {
            for i in 0..<count { parameters[offset + i] = std * rng.nextGaussian() }
        }
        func uniform(_ offset: Int, _ count: Int, _ bound: Float) {
            for i in 0..<count { parameters[offset + i] = bound * (2 * rng.nextUnit() - 1) }
        }
        let embStd = 1 / Float(l.embedding).squareRoot()
        gaussian(l.itemIn, l.itemCount * l.embedding, embStd)
        if l.itemOut != l.itemIn { gaussian(l.itemOut, l.itemCount * l.embedding, embStd) }
        gaussian(l.typeEmbedding, l.typeCount * l.typeDim, 0.1)
        gaussian(l.gapEmbedding, l.gapCount * l.gapDim, 0.1)
        let bound = 1 / Float(l.hidden).squareRoot()
        for d in 0..<l.directions {
            let g = l.gru(d)
            uniform(g.wx, l.inputDim * 3 * l.hidden, bound)
            uniform(g.uh, l.hidden * 3 * l.hidden, bound)
        }
        uniform(l.projection, l.stateDim * l.embedding, (6 / Float(l.stateDim + l.embedding)).squareRoot())
        // Drawn last, so a model without attributes gets the weights it got before they existed.
        gaussian(l.attributeEmbedding, l.attributeCount * l.embedding, embStd)
    }

    // MARK: - Inference

    /// Encodes one window into a session vector of `sessionDimension` floats.
    ///
    /// Steps are oldest first; only the last `windowLength` are read, and steps whose item is
    /// outside `0..<itemCount` are skipped. `types` and `gaps` (gap buckets, see
    /// `SessionModelConfiguration.gapBucket`) may be nil, meaning type 0 and bucket 0.
    /// An empty window gives the projection bias. Allocates nothing.
    public func encode(
        items: UnsafePointer<Int32>, types: UnsafePointer<UInt8>?, gaps: UnsafePointer<UInt8>?,
        count: Int, workspace: inout SessionWorkspace, into out: UnsafeMutablePointer<Float>
    ) {
        let l = layout
        let ws = workspace.storage(for: l, window: configuration.windowLength)
        let h = l.hidden, h3 = 3 * h, dim = l.inputDim
        let start = max(0, count - configuration.windowLength)
        // Gather the valid steps' inputs, oldest first.
        var n = 0
        for p in start..<count {
            let item = Int(items[p])
            guard item >= 0, item < l.itemCount else { continue }
            let x = ws.x + n * dim
            x.update(from: parameters + l.itemIn + item * l.embedding, count: l.embedding)
            if l.attributeCount > 0 {
                itemFeatures.addTerm(item: item, table: parameters + l.attributeEmbedding, width: l.embedding, into: x)
            }
            if l.typeDim > 0 {
                let t = min(Int(types?[p] ?? 0), l.typeCount - 1)
                (x + l.embedding).update(from: parameters + l.typeEmbedding + t * l.typeDim, count: l.typeDim)
            }
            if l.gapDim > 0 {
                // The first step of the window has no predecessor inside it.
                let g = p == start ? 0 : min(Int(gaps?[p] ?? 0), l.gapCount - 1)
                (x + l.embedding + l.typeDim).update(from: parameters + l.gapEmbedding + g * l.gapDim, count: l.gapDim)
            }
            n += 1
        }
        for d in 0..<l.directions {
            let g = l.gru(d)
            let hState = ws.state + d * h
            hState.update(repeating: 0, count: h)
            guard n > 0 else { continue }
            for k in 0..<n {
                (ws.gx + k * h3).update(from: parameters + g.bx, count: h3)
                SessionMath.vectorTimesMatrix(ws.x + k * dim, dim, parameters + g.wx, h3, into: ws.gx + k * h3, accumulate: true)
            }
            for s in 0..<(d == 0 ? n : configuration.backwardStepCount(of: n)) {
                let k = d == 0 ? s : n - 1 - s
                SessionMath.vectorTimesMatrix(hState, h, parameters + g.uh, h3, into: ws.gh, accumulate: false)
                GRUKernels.forward(rows: 1, hidden: h, gx: ws.gx + k * h3, gh: ws.gh, bhn: parameters + g.bhn,
                                   hPrev: hState, gates: ws.gates, ghn: ws.ghn, hOut: ws.hNext) { _ in true }
                hState.update(from: ws.hNext, count: h)
            }
        }
        out.update(from: parameters + l.projectionBias, count: l.embedding)
        SessionMath.vectorTimesMatrix(ws.state, l.stateDim, parameters + l.projection, l.embedding, into: out, accumulate: true)
    }

    /// Encodes the steps held by a `SessionWindow` (gap buckets from its timestamps). Allocates nothing.
    public func encode(window: SessionWindow, workspace: inout SessionWorkspace, into out: UnsafeMutablePointer<Float>) {
        let ws = workspace.storage(for: layout, window: configuration.windowLength)
        let n = window.copyOrdered(items: ws.items, types: ws.types, gaps: ws.gaps,
                                   maxCount: configuration.windowLength, configuration: configuration)
        encode(items: ws.items, types: ws.types, gaps: ws.gaps, count: n, workspace: &workspace, into: out)
    }

    /// Scores every item for `count` session vectors (row-major, `sessionDimension` wide):
    /// `out[row * itemCount + item] = session[row] · itemOut[item] + itemBias[item]`, one sgemm.
    public func scoreItems(sessionVectors: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<Float>) {
        let l = layout
        guard count > 0 else { return }
        for r in 0..<count { (out + r * l.itemCount).update(from: parameters + l.itemBias, count: l.itemCount) }
        BLAS.gemmABt(m: count, n: l.itemCount, k: l.embedding, a: sessionVectors, lda: l.embedding,
                     b: parameters + l.itemOut, ldb: l.embedding, beta: 1, c: out, ldc: l.itemCount)
    }

    /// Copies all weights out (layout-ordered), e.g. for comparisons in tests.
    public func weights() -> [Float] {
        Array(UnsafeBufferPointer(start: parameters, count: layout.total))
    }
}

extension BiGRUSessionModel {
    /// Session vectors of many histories at once (row-major, `histories.count × sessionDimension`),
    /// encoded in batches with one sgemm per GRU step; for offline evaluation and warm-up.
    /// Each history is oldest first; only its last `windowLength` steps are read.
    public func sessionVectors(histories: [[SessionStep]], batchSize: Int = 256) -> [Float] {
        let e = sessionDimension
        var out = [Float](repeating: 0, count: histories.count * e)
        let graph = SessionBatchGraph(model: self, maxBatch: max(1, batchSize))
        var rng = SeededGenerator(seed: 0)
        var start = 0
        while start < histories.count {
            let chunk = histories[start..<min(histories.count, start + graph.maxBatch)]
            let steps = max(1, min(configuration.windowLength, chunk.map(\.count).max() ?? 1))
            graph.prepare(batch: chunk.count, steps: steps)
            for (b, h) in chunk.enumerated() {
                graph.load(example: b, window: h.suffix(configuration.windowLength).filter { $0.item >= 0 && Int($0.item) < itemCount }[...],
                           target: 0, configuration: configuration)
            }
            graph.forward(dropout: 0, rng: &rng)
            out.withUnsafeMutableBufferPointer { o in
                (o.baseAddress! + start * e).update(from: graph.sessions, count: chunk.count * e)
            }
            start += chunk.count
        }
        return out
    }
}
