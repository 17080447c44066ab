import Testing
@testable import Models
import Linalg

@Suite("Bi-GRU session model")
struct SessionModelTests {
    static func smallConfiguration(items: Int = 12, forwardOnly: Bool = false) -> SessionModelConfiguration {
        SessionModelConfiguration(itemCount: items, embeddingDimension: 8, hiddenSize: 6, windowLength: 4,
                                  typeEmbeddingDimension: 3, gapEmbeddingDimension: 2, forwardOnly: forwardOnly,
                                  seed: 9)
    }

    @Test("configuration validation names the bad field")
    func validation() {
        #expect(throws: SessionModelError.self) { try SessionModelConfiguration(itemCount: 0).validate() }
        do {
            try SessionModelConfiguration(itemCount: 5, dropout: 1).validate()
            Issue.record("dropout 1 accepted")
        } catch let e as SessionModelError {
            #expect(e.code == .invalidConfiguration)
            #expect(e.message.contains("dropout"))
        } catch { Issue.record("unexpected \(error)") }
        #expect(throws: SessionModelError.self) {
            try SessionModelConfiguration(itemCount: 5, loss: .bpr(negatives: 0)).validate()
        }
    }

    @Test("parameter count matches the layout formula, with and without tying and the backward GRU")
    func parameterCount() throws {
        let c = Self.smallConfiguration()
        let model = try BiGRUSessionModel(configuration: c)
        let d = 8 + 3 + 2, h = 6
        let gru = d * 3 * h + h * 3 * h + 3 * h + h
        let expected = 12 * 8 + 12 + 4 * 3 + 20 * 2 + 2 * gru + 2 * h * 8 + 8
        #expect(model.parameterCount == expected)
        var untied = c
        untied.tiedEmbeddings = false
        #expect(try BiGRUSessionModel(configuration: untied).parameterCount == expected + 12 * 8)
        let forward = try BiGRUSessionModel(configuration: Self.smallConfiguration(forwardOnly: true))
        #expect(forward.parameterCount == expected - gru - h * 8)
    }

    @Test("single-window encode equals the batched forward pass and ignores steps before the window")
    func encodeMatchesBatch() throws {
        let c = Self.smallConfiguration()
        let model = try BiGRUSessionModel(configuration: c)
        let steps = [SessionStep(item: 3, type: 1, timestampMs: 1_000), SessionStep(item: 7, type: 0, timestampMs: 2_000),
                     SessionStep(item: 1, type: 2, timestampMs: 50_000), SessionStep(item: 7, type: 1, timestampMs: 51_000),
                     SessionStep(item: 10, type: 0, timestampMs: 9_000_000)]
        let graph = SessionBatchGraph(model: model, maxBatch: 2)
        graph.prepare(batch: 2, steps: 4)
        graph.load(example: 0, window: steps[1...], target: 0, configuration: c)
        graph.load(example: 1, window: steps[3...], target: 0, configuration: c)
        var rng = SeededGenerator(seed: 0)
        graph.forward(dropout: 0, rng: &rng)

        var workspace = SessionWorkspace(configuration: c)
        var window = SessionWindow(capacity: 4)
        for s in steps { window.append(s) }
        var out = [Float](repeating: 0, count: 8)
        out.withUnsafeMutableBufferPointer { model.encode(window: window, workspace: &workspace, into: $0.baseAddress!) }
        for k in 0..<8 { #expect(abs(out[k] - graph.sessions[k]) < 1e-5) }

        // Raw arrays: five steps, of which only the last four are read.
        var raw = [Float](repeating: 0, count: 8)
        let items = steps.map(\.item), types = steps.map(\.type)
        let gaps: [UInt8] = [0] + (1..<5).map { c.gapBucket(milliseconds: steps[$0].timestampMs! - steps[$0 - 1].timestampMs!) }
        #expect(gaps == [0, 2, 6, 2, 14])
        raw.withUnsafeMutableBufferPointer { o in
            model.encode(items: items, types: types, gaps: gaps, count: 5, workspace: &workspace, into: o.baseAddress!)
        }
        #expect(raw == out)

        var shortOut = [Float](repeating: 0, count: 8)
        var short = SessionWindow(capacity: 4)
        for s in steps[3...] { short.append(s) }
        shortOut.withUnsafeMutableBufferPointer { model.encode(window: short, workspace: &workspace, into: $0.baseAddress!) }
        for k in 0..<8 { #expect(abs(shortOut[k] - graph.sessions[8 + k]) < 1e-5) }
    }

    @Test("batched sessionVectors equal one-by-one encodes, for empty, short and over-long histories")
    func batchedVectors() throws {
        let c = Self.smallConfiguration()
        let model = try BiGRUSessionModel(configuration: c)
        var rng = SeededGenerator(seed: 5)
        let histories: [[SessionStep]] = (0..<7).map { u in
            (0..<(u * 2)).map { i in SessionStep(item: Int32(rng.nextInt(below: 12)), type: UInt8(i % 3), timestampMs: Int64(i) * 7_000) }
        }
        let batched = model.sessionVectors(histories: histories, batchSize: 3)
        #expect(batched.count == 7 * 8)
        var workspace = SessionWorkspace(configuration: c)
        for (u, h) in histories.enumerated() {
            var window = SessionWindow(capacity: c.windowLength)
            for s in h { window.append(s) }
            var v = [Float](repeating: 0, count: 8)
            v.withUnsafeMutableBufferPointer { model.encode(window: window, workspace: &workspace, into: $0.baseAddress!) }
            for k in 0..<8 { #expect(abs(v[k] - batched[u * 8 + k]) < 1e-5, "history \(u)") }
        }
    }

    @Test("scoreItems is session · itemOutᵀ + bias for each row")
    func scoring() throws {
        let c = Self.smallConfiguration()
        let model = try BiGRUSessionModel(configuration: c)
        let l = model.layout
        for i in 0..<12 { model.parameters[l.itemBias + i] = Float(i) * 0.01 }
        let sessions: [Float] = (0..<16).map { Float($0) * 0.1 - 0.7 }
        var scores = [Float](repeating: 0, count: 24)
        scores.withUnsafeMutableBufferPointer { model.scoreItems(sessionVectors: sessions, count: 2, into: $0.baseAddress!) }
        for r in 0..<2 {
            for i in 0..<12 {
                var s = Float(i) * 0.01
                for k in 0..<8 { s += sessions[r * 8 + k] * model.parameters[l.itemOut + i * 8 + k] }
                #expect(abs(scores[r * 12 + i] - s) < 1e-5)
            }
        }
    }

    @Test("serialization round trip is bit-identical and bad bytes give clear errors")
    func serialization() throws {
        var c = Self.smallConfiguration()
        c.dropout = 0.37
        c.learningRate = 0.0013
        c.loss = .sampledSoftmax(negatives: 33)
        let model = try BiGRUSessionModel(configuration: c)
        let bytes = model.serialize()
        let back = try BiGRUSessionModel(serialized: bytes)
        #expect(back.configuration == c)
        #expect(back.weights().map(\.bitPattern) == model.weights().map(\.bitPattern))
        #expect(back.serialize() == bytes)

        func code(_ b: [UInt8]) -> SessionModelError.Code? {
            do { _ = try BiGRUSessionModel(serialized: b); return nil } catch let e as SessionModelError { return e.code } catch { return nil }
        }
        var wrongMagic = bytes
        wrongMagic[0] = 0x58
        #expect(code(wrongMagic) == .badMagic)
        var future = bytes
        future[8] = UInt8(BiGRUSessionModel.serializationVersion + 1)
        #expect(code(future) == .unsupportedVersion)
        #expect(code(Array(bytes.prefix(bytes.count - 10))) == .truncated)
        var flipped = bytes
        flipped[bytes.count - 20] ^= 0x01
        #expect(code(flipped) == .corrupt)
        #expect(code([]) == .truncated)
    }

    @Test("training lowers the loss and ranks the planted next item first")
    func plantedTransitions() throws {
        // Item i is followed by (5 i + 3) mod 20, with one random step in ten.
        let items = 20
        var rng = SeededGenerator(seed: 4)
        var sequences: [[SessionStep]] = []
        for _ in 0..<160 {
            var item = rng.nextInt(below: items)
            var seq: [SessionStep] = []
            for _ in 0..<8 {
                seq.append(SessionStep(item: Int32(item), type: UInt8(rng.nextInt(below: 2))))
                item = rng.nextInt(below: 10) == 0 ? rng.nextInt(below: items) : (5 * item + 3) % items
            }
            sequences.append(seq)
        }
        var c = SessionModelConfiguration(itemCount: items, embeddingDimension: 16, hiddenSize: 16, windowLength: 4,
                                          dropout: 0.1, learningRate: 0.01, batchSize: 64, epochs: 12, seed: 1)
        c.gapEmbeddingDimension = 0
        var losses: [Double] = []
        let model = try SessionTrainer(configuration: c).train(sequences: sequences) { losses.append($0.trainingLoss) }
        #expect(losses.count == 12)
        #expect(losses.last! < 0.6 * losses.first!, "losses \(losses)")

        var workspace = SessionWorkspace(configuration: c)
        var session = [Float](repeating: 0, count: 16)
        var scores = [Float](repeating: 0, count: items)
        var hits = 0
        for start in 0..<items {
            let history: [Int32] = [Int32(start), Int32((5 * start + 3) % items)]
            let expected = (5 * Int(history[1]) + 3) % items
            session.withUnsafeMutableBufferPointer { s in
                model.encode(items: history, types: nil, gaps: nil, count: 2, workspace: &workspace, into: s.baseAddress!)
                scores.withUnsafeMutableBufferPointer { model.scoreItems(sessionVectors: s.baseAddress!, count: 1, into: $0.baseAddress!) }
            }
            if scores.indices.max(by: { scores[$0] < scores[$1] }) == expected { hits += 1 }
        }
        #expect(hits >= 16, "planted next item ranked first for \(hits) of \(items) histories")
    }

    @Test("training rejects out-of-range items and data without examples")
    func trainingInputErrors() throws {
        let trainer = try SessionTrainer(configuration: Self.smallConfiguration())
        #expect(throws: SessionModelError.self) { _ = try trainer.train(sequences: [[SessionStep(item: 12), SessionStep(item: 1)]]) }
        #expect(throws: SessionModelError.self) { _ = try trainer.train(sequences: [[SessionStep(item: 1)]]) }
    }
}
