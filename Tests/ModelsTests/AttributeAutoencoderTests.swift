import Linalg
import Testing
@testable import Models

/// The attribute autoencoder: its gradient, its training and its codes.
@Suite("Attribute autoencoder")
struct AttributeAutoencoderTests {
    static let rows: [[Int32]] = [[0, 3], [1], [2, 4, 5], [0, 1, 6], [6], [3, 5]]

    @Test("every weight's gradient matches finite differences", arguments: [UInt64(1), 8])
    func gradientMatchesFiniteDifferences(seed: UInt64) {
        let model = AttributeAutoencoder(attributeCount: 7, codeSize: 3, seed: seed)
        // Move the biases off zero so their gradients are exercised at a generic point.
        var rng = SeededGenerator(seed: seed &+ 1)
        for i in model.be..<model.wd { model.parameters[i] = 0.3 * (2 * rng.nextUnit() - 1) }
        for i in model.bd..<model.parameterCount { model.parameters[i] = 0.3 * (2 * rng.nextUnit() - 1) }
        let n = model.parameterCount
        var analytic = [Float](repeating: 0, count: n)
        _ = analytic.withUnsafeMutableBufferPointer { model.loss(Self.rows[...], gradient: $0.baseAddress!) }
        let eps: Float = 1e-2
        var worst: Float = 0, diff = 0.0, sum = 0.0
        for i in 0..<n {
            let saved = model.parameters[i]
            model.parameters[i] = saved + eps
            let up = model.loss(Self.rows[...], gradient: nil)
            model.parameters[i] = saved - eps
            let down = model.loss(Self.rows[...], gradient: nil)
            model.parameters[i] = saved
            let numeric = Float((up - down) / Double(2 * eps))
            let a = analytic[i]
            worst = max(worst, abs(a - numeric) / max(abs(a), abs(numeric), 1e-3))
            diff += Double((a - numeric) * (a - numeric))
            sum += Double((a + numeric) * (a + numeric))
        }
        #expect(n == 7 * 3 + 3 + 3 * 7 + 7)
        #expect(worst < 2e-2, "max relative error \(worst)")
        #expect((diff / sum).squareRoot() < 1e-3)
    }

    @Test("training lowers the reconstruction loss and the codes tell items apart")
    func trainingLearns() {
        let model = AttributeAutoencoder(attributeCount: 7, codeSize: 4, seed: 2)
        let before = model.loss(Self.rows[...], gradient: nil)
        let losses = model.train(Self.rows + [[]], epochs: 300, batchSize: 4, learningRate: 0.05, seed: 3)
        #expect(losses.count == 300)
        let after = model.loss(Self.rows[...], gradient: nil)
        #expect(after < 0.3 * before, "loss \(before) -> \(after)")
        let codes = model.codes(Self.rows + [[]])
        #expect(codes.last! == nil)
        let present = codes.compactMap { $0 }
        #expect(present.count == 6 && present.allSatisfy { $0.count == 4 && $0.allSatisfy { abs($0) <= 1 } })
        for i in 0..<present.count {
            for j in (i + 1)..<present.count { #expect(present[i] != present[j]) }
        }
    }
}
