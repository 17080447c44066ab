import Foundation
import Linalg
import Testing
@testable import Models

/// The lazy Adam step of rounds with sampled negatives: only touched item rows move, the first
/// step equals the dense one, and the gradient is left zero.
@Suite("Lazy item rows in a training round")
struct LazyItemRowsTests {
    static func model(tied: Bool) throws -> BiGRUSessionModel {
        var c = SessionAttributeTests.configuration(seed: 4, tied: tied)
        c.itemCount = 9
        return try BiGRUSessionModel(configuration: c, itemFeatures: try SessionAttributeTests.features())
    }

    /// A gradient as a batch reading `items` writes it: their item rows, their attribute rows and
    /// every other block.
    static func gradient(_ model: BiGRUSessionModel, items: [Int], seed: UInt64) -> [Float] {
        let layout = model.layout, features = model.itemFeatures
        var rng = SeededGenerator(seed: seed)
        var g = [Float](repeating: 0, count: layout.total)
        let e = layout.embedding
        for i in items {
            for k in 0..<e {
                g[layout.itemIn + i * e + k] = Float(rng.nextInt(below: 1000)) / 500 - 1
                g[layout.itemOut + i * e + k] += Float(rng.nextInt(below: 1000)) / 500 - 1
            }
            g[layout.itemBias + i] = 0.25
        }
        for p in (layout.itemBias + layout.itemCount)..<layout.attributeEmbedding { g[p] = Float(rng.nextInt(below: 1000)) / 500 - 1 }
        for i in items {
            for a in features.columns[Int(features.offsets[i])..<Int(features.offsets[i + 1])] {
                for k in 0..<e { g[layout.attributeEmbedding + Int(a) * e + k] += Float(rng.nextInt(below: 1000)) / 500 - 1 }
            }
        }
        return g
    }

    @Test("the first step equals dense Adam's; untouched rows keep their values at the second; the gradient is left zero",
          arguments: [false, true])
    func lazyAgainstDense(tied: Bool) throws {
        let model = try Self.model(tied: tied)
        let layout = model.layout
        let count = layout.total
        let lazyParameters = model.copy(), denseParameters = model.copy()
        let lazyAdam = SessionAdam(count: count, learningRate: 0.01, l2: 0)
        let denseAdam = SessionAdam(count: count, learningRate: 0.01, l2: 0)
        var rows = LazyItemRows(model: model)

        // Step 1 touches items 1, 4 and 7.
        var g = Self.gradient(model, items: [1, 4, 7], seed: 1)
        denseAdam.update(denseParameters.parameters, gradient: g)
        for i in [4, 1, 7, 4] { rows.note(Int32(i)) }
        g.withUnsafeMutableBufferPointer { rows.step(lazyAdam, parameters: lazyParameters.parameters, gradient: $0.baseAddress!) }
        #expect(lazyParameters.weights() == denseParameters.weights())
        #expect(g.allSatisfy { $0 == 0 })

        // Step 2 touches item 2 only: dense Adam moves rows 1, 4, 7 on their momentum, lazy does not.
        let before = lazyParameters.weights()
        g = Self.gradient(model, items: [2], seed: 2)
        rows.note(2)
        g.withUnsafeMutableBufferPointer { rows.step(lazyAdam, parameters: lazyParameters.parameters, gradient: $0.baseAddress!) }
        #expect(g.allSatisfy { $0 == 0 })
        let after = lazyParameters.weights()
        let e = layout.embedding
        for i in [0, 1, 3, 4, 5, 6, 7, 8] {
            let input = (layout.itemIn + i * e)..<(layout.itemIn + (i + 1) * e)
            #expect(after[input] == before[input], "item \(i)'s input row moved")
            #expect(after[layout.itemBias + i] == before[layout.itemBias + i])
        }
        let two = (layout.itemIn + 2 * e)..<(layout.itemIn + 3 * e)
        #expect(after[two] != before[two])
        let dense = (layout.itemBias + layout.itemCount)..<layout.total
        #expect(after[dense] != before[dense])
    }

    @Test("with item attributes known, the attribute rows of the touched items move and no other")
    func attributeRowsOfTouchedItems() throws {
        let model = try Self.model(tied: false)
        let layout = model.layout, e = layout.embedding
        let adam = SessionAdam(count: layout.total, learningRate: 0.01, l2: 0)
        var rows = LazyItemRows(model: model)
        // Item 3's attributes are 3, 0 and 4 (SessionAttributeTests.attributeRows); its rows and
        // theirs carry a gradient, as a batch with item 3 alone would give.
        var g = Self.gradient(model, items: [3], seed: 5)
        let before = model.weights()
        rows.note(3)
        g.withUnsafeMutableBufferPointer { rows.step(adam, parameters: model.parameters, gradient: $0.baseAddress!) }
        #expect(g.allSatisfy { $0 == 0 })
        let after = model.weights()
        for a in 0..<layout.attributeCount {
            let r = (layout.attributeEmbedding + a * e)..<(layout.attributeEmbedding + (a + 1) * e)
            #expect((after[r] != before[r]) == [0, 3, 4].contains(a), "attribute row \(a)")
        }
    }

    @Test("a round with sampled negatives and attributes trains (its gradient checked zero after every batch in debug builds) and leaves unseen items' input rows alone")
    func sampledRound() throws {
        var c = SessionAttributeTests.configuration(seed: 8)
        c.itemCount = 9
        c.loss = .sampledSoftmax(negatives: 2)
        c.batchSize = 4
        c.learningRate = 0.02
        let start = try BiGRUSessionModel(configuration: c, itemFeatures: try SessionAttributeTests.features())
        // Items 0...5 only; 6, 7 and 8 can enter a batch only as sampled negatives (output side).
        let sequences: [[SessionStep]] = (0..<10).map { u in (0..<5).map { k in SessionStep(item: Int32((u + k) % 6), type: 0) } }
        let round = try SessionTrainer(configuration: c).trainRound(from: start, sequences: sequences, maxExamples: 40, seed: 3)
        let l = start.layout, e = l.embedding
        let initial = start.weights(), trained = round.model.weights()
        for i in 6..<9 {
            let input = (l.itemIn + i * e)..<(l.itemIn + (i + 1) * e)
            #expect(trained[input] == initial[input], "item \(i) was never an input, yet its row moved")
        }
        for i in 0..<6 {
            let input = (l.itemIn + i * e)..<(l.itemIn + (i + 1) * e)
            #expect(trained[input] != initial[input])
        }
        #expect(round.loss.isFinite && round.examples == 40)
    }
}
