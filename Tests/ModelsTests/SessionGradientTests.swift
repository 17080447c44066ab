import Testing
@testable import Models
import Linalg

/// Finite-difference checks of the Bi-GRU session model's analytic gradient.
@Suite("Session model gradients")
struct SessionGradientTests {
    static func tinyConfiguration(seed: UInt64, forwardOnly: Bool = false, tied: Bool = false,
                                  loss: SessionLoss = .fullSoftmax, backwardSteps: Int = 0) -> SessionModelConfiguration {
        SessionModelConfiguration(
            itemCount: 9, embeddingDimension: 4, hiddenSize: 3, windowLength: 5, typeCount: 3,
            typeEmbeddingDimension: 2, gapBucketCount: 6, gapEmbeddingDimension: 2,
            forwardOnly: forwardOnly, backwardSteps: backwardSteps, tiedEmbeddings: tied, dropout: 0, loss: loss, seed: seed)
    }

    /// Loads three windows of different lengths (with types and timestamps) into a graph.
    static func loadBatch(_ graph: SessionBatchGraph, _ c: SessionModelConfiguration) {
        let windows: [[SessionStep]] = [
            [SessionStep(item: 1, type: 0, timestampMs: 0), SessionStep(item: 4, type: 1, timestampMs: 5_000),
             SessionStep(item: 2, type: 2, timestampMs: 90_000), SessionStep(item: 7, type: 0, timestampMs: 91_000),
             SessionStep(item: 3, type: 1, timestampMs: 4_000_000)],
            [SessionStep(item: 5, type: 1), SessionStep(item: 5, type: 0)],
            [SessionStep(item: 8, type: 2, timestampMs: 10), SessionStep(item: 0, type: 0, timestampMs: 20_000),
             SessionStep(item: 6, type: 1, timestampMs: 20_500)],
        ]
        let targets: [Int32] = [6, 2, 4]
        graph.prepare(batch: windows.count, steps: 5)
        for (b, w) in windows.enumerated() {
            graph.load(example: b, window: w[...], target: targets[b], configuration: c)
        }
    }

    /// Largest relative error between analytic and central-difference gradients over all weights.
    static func check(_ c: SessionModelConfiguration, negatives: [Int32] = [], features: SessionItemFeatures? = nil) throws
        -> (maxRelative: Float, global: Double, checked: Int) {
        let model = try BiGRUSessionModel(configuration: c, itemFeatures: features)
        let graph = SessionBatchGraph(model: model, maxBatch: 4, maxNegatives: negatives.count)
        var rng = SeededGenerator(seed: 1)
        loadBatch(graph, c)
        let n = model.parameterCount
        var analytic = [Float](repeating: 0, count: n)
        negatives.withUnsafeBufferPointer { neg in
            graph.forward(dropout: 0, rng: &rng)
            analytic.withUnsafeMutableBufferPointer { g in
                _ = graph.loss(c.loss, negatives: neg, gradient: g.baseAddress!)
            }
        }
        func lossNow() -> Double {
            negatives.withUnsafeBufferPointer { neg in
                graph.forward(dropout: 0, rng: &rng)
                return graph.loss(c.loss, negatives: neg, gradient: nil)
            }
        }
        let eps: Float = 1e-2
        var worst: Float = 0
        var checked = 0
        var diffSquares = 0.0, sumSquares = 0.0
        for i in 0..<n {
            let saved = model.parameters[i]
            model.parameters[i] = saved + eps
            let up = lossNow()
            model.parameters[i] = saved - eps
            let down = lossNow()
            model.parameters[i] = saved
            let numeric = Float((up - down) / Double(2 * eps))
            let a = analytic[i]
            // Relative error, with a floor so weights that barely matter do not divide by ~0.
            let rel = abs(a - numeric) / max(abs(a), abs(numeric), 1e-3)
            worst = max(worst, rel)
            checked += 1
            diffSquares += Double((a - numeric) * (a - numeric))
            sumSquares += Double((a + numeric) * (a + numeric))
        }
        return (worst, (diffSquares / sumSquares).squareRoot(), checked)
    }

    @Test("full softmax, bidirectional, untied: every weight matches finite differences", arguments: [UInt64(3), 11])
    func fullSoftmaxBidirectional(seed: UInt64) throws {
        let result = try Self.check(Self.tinyConfiguration(seed: seed))
        #expect(result.checked > 300)
        #expect(result.maxRelative < 2e-2, "max relative error \(result.maxRelative)")
        #expect(result.global < 1e-3, "global relative error \(result.global)")
    }

    @Test("a backward direction over the newest steps only: every weight matches finite differences",
          arguments: [(UInt64(3), 1), (UInt64(13), 2)])
    func shortBackward(seed: UInt64, steps: Int) throws {
        let result = try Self.check(Self.tinyConfiguration(seed: seed, backwardSteps: steps))
        #expect(result.checked > 300)
        #expect(result.maxRelative < 2e-2, "max relative error \(result.maxRelative)")
        #expect(result.global < 1e-3, "global relative error \(result.global)")
    }

    @Test("the batched graph and the reference encoder agree when the backward direction reads one or two steps",
          arguments: [1, 2])
    func shortBackwardMatchesReference(steps: Int) throws {
        let c = Self.tinyConfiguration(seed: 29, backwardSteps: steps)
        let model = try BiGRUSessionModel(configuration: c)
        let full = try BiGRUSessionModel(configuration: Self.tinyConfiguration(seed: 29))
        let graph = SessionBatchGraph(model: model, maxBatch: 4)
        var rng = SeededGenerator(seed: 1)
        Self.loadBatch(graph, c)
        graph.forward(dropout: 0, rng: &rng)
        let window: [SessionStep] = [SessionStep(item: 1, type: 0, timestampMs: 0), SessionStep(item: 4, type: 1, timestampMs: 5_000),
                                     SessionStep(item: 2, type: 2, timestampMs: 90_000), SessionStep(item: 7, type: 0, timestampMs: 91_000),
                                     SessionStep(item: 3, type: 1, timestampMs: 4_000_000)]
        var w = SessionWindow(capacity: 5)
        for step in window { w.append(step) }
        var ws = SessionWorkspace(configuration: c)
        var reference = [Float](repeating: 0, count: 4), whole = [Float](repeating: 0, count: 4)
        reference.withUnsafeMutableBufferPointer { model.encode(window: w, workspace: &ws, into: $0.baseAddress!) }
        whole.withUnsafeMutableBufferPointer { full.encode(window: w, workspace: &ws, into: $0.baseAddress!) }
        for k in 0..<4 { #expect(abs(graph.sessions[k] - reference[k]) < 1e-5, "dimension \(k)") }
        // The same weights read the whole window in the other model: the vectors differ.
        #expect(zip(reference, whole).contains { abs($0 - $1) > 1e-4 })
    }

    @Test("full softmax, forward-only, tied embeddings", arguments: [UInt64(5), 17])
    func fullSoftmaxForwardOnlyTied(seed: UInt64) throws {
        let result = try Self.check(Self.tinyConfiguration(seed: seed, forwardOnly: true, tied: true))
        #expect(result.maxRelative < 2e-2, "max relative error \(result.maxRelative)")
        #expect(result.global < 1e-3, "global relative error \(result.global)")
    }

    @Test("sampled softmax and BPR over fixed negatives", arguments: [UInt64(7), 23])
    func sampledLosses(seed: UInt64) throws {
        let negatives: [Int32] = [0, 2, 5, 8]
        let sampled = try Self.check(Self.tinyConfiguration(seed: seed, loss: .sampledSoftmax(negatives: 4)),
                                     negatives: negatives)
        #expect(sampled.maxRelative < 2e-2 && sampled.global < 1e-3, "sampled softmax error \(sampled)")
        let bpr = try Self.check(Self.tinyConfiguration(seed: seed, tied: true, loss: .bpr(negatives: 4)),
                                 negatives: negatives)
        #expect(bpr.maxRelative < 2e-2 && bpr.global < 1e-3, "BPR error \(bpr)")
    }

    @Test("every weight block receives gradient and the loss is in range")
    func everyBlockHasGradient() throws {
        let c = Self.tinyConfiguration(seed: 3)
        let model = try BiGRUSessionModel(configuration: c)
        let graph = SessionBatchGraph(model: model, maxBatch: 4)
        var rng = SeededGenerator(seed: 1)
        Self.loadBatch(graph, c)
        var grad = [Float](repeating: 0, count: model.parameterCount)
        graph.forward(dropout: 0, rng: &rng)
        let loss = grad.withUnsafeMutableBufferPointer { g in
            graph.loss(.fullSoftmax, negatives: UnsafeBufferPointer(start: nil, count: 0), gradient: g.baseAddress!)
        }
        #expect(loss > 0 && loss < 10)
        let norm = grad.reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(norm > 1e-3)
        // Every weight block receives gradient.
        let l = model.layout
        let blocks = [l.itemIn, l.itemOut, l.itemBias, l.typeEmbedding, l.gapEmbedding,
                      l.gru(0).wx, l.gru(0).uh, l.gru(0).bx, l.gru(0).bhn,
                      l.gru(1).wx, l.gru(1).uh, l.gru(1).bx, l.gru(1).bhn, l.projection, l.projectionBias, l.total]
        for k in 0..<(blocks.count - 1) {
            let block = grad[blocks[k]..<blocks[k + 1]]
            #expect(block.contains { $0 != 0 }, "block \(k) has no gradient")
        }
    }
}
