import Linalg
import Testing
@testable import Models

@Suite("Session model vocabulary growth")
struct SessionGrowthTests {
    @Test("growing keeps every old item row and every other weight; new items get fresh embeddings and bias 0",
          arguments: [true, false])
    func keepsOldRows(tied: Bool) throws {
        let c = SessionModelConfiguration(itemCount: 7, embeddingDimension: 4, hiddenSize: 3, windowLength: 4,
                                          tiedEmbeddings: tied, seed: 9)
        let model = try BiGRUSessionModel(configuration: c)
        // Item biases are 0 at initialisation: give them values to see they are copied.
        for i in 0..<7 { model.parameters[model.layout.itemBias + i] = Float(i) + 0.5 }
        let grown = model.grown(toItems: 10, seed: 1)
        let a = model.layout, b = grown.layout, e = 4
        #expect(grown.itemCount == 10 && grown.configuration.itemCount == 10)
        for i in 0..<(7 * e) { #expect(grown.parameters[b.itemIn + i] == model.parameters[a.itemIn + i]) }
        if !tied { for i in 0..<(7 * e) { #expect(grown.parameters[b.itemOut + i] == model.parameters[a.itemOut + i]) } }
        for i in 0..<7 { #expect(grown.parameters[b.itemBias + i] == Float(i) + 0.5) }
        for i in 7..<10 { #expect(grown.parameters[b.itemBias + i] == 0) }
        #expect((7 * e..<10 * e).contains { grown.parameters[b.itemIn + $0] != 0 })
        let rest = a.total - a.typeEmbedding
        #expect(b.total - b.typeEmbedding == rest)
        for i in 0..<rest { #expect(grown.parameters[b.typeEmbedding + i] == model.parameters[a.typeEmbedding + i]) }
        // A window of old items encodes to the same vector.
        var w = SessionWindow(capacity: 4)
        for (k, item) in [3, 1, 6].enumerated() { w.append(SessionStep(item: Int32(item), type: UInt8(k), timestampMs: Int64(k) * 9_000)) }
        var ws = SessionWorkspace(configuration: grown.configuration)
        var x = [Float](repeating: 0, count: e), y = x
        x.withUnsafeMutableBufferPointer { model.encode(window: w, workspace: &ws, into: $0.baseAddress!) }
        y.withUnsafeMutableBufferPointer { grown.encode(window: w, workspace: &ws, into: $0.baseAddress!) }
        #expect(x == y)
    }

    @Test("a round continues from the warm start's weights and lowers the loss on the data it sees")
    func roundContinues() throws {
        let c = SessionModelConfiguration(itemCount: 12, embeddingDimension: 8, hiddenSize: 6, windowLength: 4,
                                          dropout: 0, learningRate: 0.02, batchSize: 16, seed: 2)
        let start = try BiGRUSessionModel(configuration: c)
        // A deterministic cycle: item k is followed by k + 1.
        let sequences = (0..<40).map { u in (0..<6).map { SessionStep(item: Int32((u + $0) % 12), type: 0, timestampMs: Int64($0) * 1_000) } }
        let trainer = try SessionTrainer(configuration: c)
        var model = start
        var losses: [Double] = []
        for r in 0..<5 {
            let result = try trainer.trainRound(from: model, sequences: sequences, maxExamples: 10_000, seed: UInt64(r))
            #expect(result.examples == 40 * 5)
            losses.append(result.loss)
            model = result.model
        }
        #expect(start.weights() == (try BiGRUSessionModel(configuration: c)).weights())
        #expect(losses.last! < losses.first! * 0.8, "losses \(losses)")
        #expect(throws: SessionModelError.self) {
            try trainer.trainRound(from: start.grown(toItems: 13, seed: 0), sequences: sequences, maxExamples: 10, seed: 0)
        }
    }

    @Test("a round asked to stop ends at the next batch with .cancelled, having asked once per batch")
    func roundStops() throws {
        let c = SessionModelConfiguration(itemCount: 12, embeddingDimension: 8, hiddenSize: 6, windowLength: 4,
                                          dropout: 0, learningRate: 0.02, batchSize: 16, seed: 2)
        let start = try BiGRUSessionModel(configuration: c)
        let sequences = (0..<40).map { u in (0..<6).map { SessionStep(item: Int32((u + $0) % 12), type: 0, timestampMs: Int64($0) * 1_000) } }
        let trainer = try SessionTrainer(configuration: c)
        var asked = 0
        #expect {
            try trainer.trainRound(from: start, sequences: sequences, maxExamples: 10_000, seed: 1,
                                   shouldStop: { asked += 1; return asked == 3 })
        } throws: { ($0 as? SessionModelError)?.code == .cancelled }
        #expect(asked == 3)
        // Not asked to stop: every batch is asked about and the round finishes (200 examples:
        // window lengths 1, 2 and 3 hold 40 each, 3 batches of at most 16; length 4, the window,
        // holds 80, 5 batches).
        asked = 0
        let result = try trainer.trainRound(from: start, sequences: sequences, maxExamples: 10_000, seed: 1,
                                            shouldStop: { asked += 1; return false })
        #expect(result.examples == 200)
        #expect(asked == 14)
    }
}
