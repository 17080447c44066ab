import Foundation
import Linalg
import Testing
@testable import Models

/// The session model's attribute input: gradients, encoding paths, growth and snapshots.
@Suite("Session model item attributes")
struct SessionAttributeTests {
    /// Nine items: some with one attribute, some with several (one repeated), two with none.
    static let attributeRows: [[Int32]] = [[0], [1, 2], [], [3, 0, 4], [2, 2], [4], [], [1, 3], [0, 1, 2, 3]]

    static func features() throws -> SessionItemFeatures {
        try SessionItemFeatures(featureCount: 5, attributes: attributeRows)
    }

    static func configuration(seed: UInt64, tied: Bool = false, attributes: Int = 5) -> SessionModelConfiguration {
        var c = SessionGradientTests.tinyConfiguration(seed: seed, tied: tied)
        c.attributeCount = attributes
        return c
    }

    @Test("mean rows: duplicates count once, empty rows give no term, bad ids are refused")
    func meanRows() throws {
        let f = try Self.features()
        #expect(f.itemCount == 9 && f.featureCount == 5)
        #expect(f.hasFeatures(0) && !f.hasFeatures(2) && !f.hasFeatures(6))
        let r4 = Int(f.offsets[4])..<Int(f.offsets[5])
        #expect(Array(f.columns[r4]) == [2] && Array(f.values[r4]) == [1])
        let r3 = Int(f.offsets[3])..<Int(f.offsets[4])
        #expect(Array(f.columns[r3]) == [0, 3, 4] && f.values[r3].allSatisfy { abs($0 - 1 / 3) < 1e-7 })
        #expect(throws: SessionModelError.self) { try SessionItemFeatures(featureCount: 5, attributes: [[5]]) }
    }

    @Test("attribute gradients (and every other weight) match finite differences", arguments: [UInt64(3), 11])
    func gradientsMatchFiniteDifferences(seed: UInt64) throws {
        let result = try SessionGradientTests.check(Self.configuration(seed: seed), features: try Self.features())
        #expect(result.checked > 320)
        #expect(result.maxRelative < 2e-2, "max relative error \(result.maxRelative)")
        #expect(result.global < 1e-3, "global relative error \(result.global)")
    }

    @Test("dense (autoencoder-code) rows with tied embeddings also match finite differences")
    func denseRowsMatchFiniteDifferences() throws {
        var rng = SeededGenerator(seed: 4)
        let rows: [[Float]?] = (0..<9).map { i in i % 4 == 2 ? nil : (0..<3).map { _ in 2 * rng.nextUnit() - 1 } }
        let features = try SessionItemFeatures(featureCount: 3, denseRows: rows)
        let result = try SessionGradientTests.check(Self.configuration(seed: 7, tied: true, attributes: 3), features: features)
        #expect(result.maxRelative < 2e-2 && result.global < 1e-3, "error \(result)")
    }

    @Test("the attribute table gets gradient only in the rows of the attributes the batch's items have")
    func gradientRows() throws {
        let c = Self.configuration(seed: 3)
        let model = try BiGRUSessionModel(configuration: c, itemFeatures: try Self.features())
        let graph = SessionBatchGraph(model: model, maxBatch: 4)
        var rng = SeededGenerator(seed: 1)
        SessionGradientTests.loadBatch(graph, c)
        var grad = [Float](repeating: 0, count: model.parameterCount)
        graph.forward(dropout: 0, rng: &rng)
        _ = grad.withUnsafeMutableBufferPointer { g in
            graph.loss(.fullSoftmax, negatives: UnsafeBufferPointer(start: nil, count: 0), gradient: g.baseAddress!)
        }
        let l = model.layout, e = l.embedding
        // The batch's items are 1, 4, 2, 7, 3, 5, 8, 0, 6: every attribute 0...4 is reached.
        for a in 0..<5 {
            #expect(grad[(l.attributeEmbedding + a * e)..<(l.attributeEmbedding + (a + 1) * e)].contains { $0 != 0 }, "attribute \(a)")
        }
        // Only items 2 and 6 lack attributes; a batch of those alone leaves the table untouched.
        graph.prepare(batch: 1, steps: 2)
        graph.load(example: 0, window: [SessionStep(item: 2, type: 0), SessionStep(item: 6, type: 1)][...], target: 3,
                   configuration: c)
        graph.forward(dropout: 0, rng: &rng)
        grad = [Float](repeating: 0, count: model.parameterCount)
        _ = grad.withUnsafeMutableBufferPointer { g in
            graph.loss(.fullSoftmax, negatives: UnsafeBufferPointer(start: nil, count: 0), gradient: g.baseAddress!)
        }
        #expect(grad[l.attributeEmbedding..<l.total].allSatisfy { $0 == 0 })
    }

    func window(_ items: [Int32]) -> SessionWindow {
        var w = SessionWindow(capacity: 5)
        for (k, item) in items.enumerated() { w.append(SessionStep(item: item, type: UInt8(k % 3), timestampMs: Int64(k) * 7_000)) }
        return w
    }

    func encode(_ model: BiGRUSessionModel, _ items: [Int32]) -> [Float] {
        var ws = SessionWorkspace(configuration: model.configuration)
        var out = [Float](repeating: 0, count: model.sessionDimension)
        out.withUnsafeMutableBufferPointer { model.encode(window: window(items), workspace: &ws, into: $0.baseAddress!) }
        return out
    }

    @Test("encode, the batched graph and the serving tables agree, and attributes change the vector")
    func encodingPathsAgree() throws {
        let c = Self.configuration(seed: 5)
        let model = try BiGRUSessionModel(configuration: c, itemFeatures: try Self.features())
        let windows: [[Int32]] = [[1, 3, 8], [2, 6], [0, 4, 5, 7, 3]]
        let direct = windows.map { encode(model, $0) }
        let histories = windows.map { w in w.enumerated().map { SessionStep(item: $1, type: UInt8($0 % 3), timestampMs: Int64($0) * 7_000) } }
        let batched = model.sessionVectors(histories: histories)
        let encoder = SessionBatchEncoder(model: model)
        for w in windows { encoder.load(window(w)) }
        encoder.encode()
        let e = model.sessionDimension
        for (k, want) in direct.enumerated() {
            let served = Array(UnsafeBufferPointer(start: encoder.vector(k), count: e))
            for j in 0..<e {
                #expect(abs(batched[k * e + j] - want[j]) < 1e-4)
                #expect(abs(served[j] - want[j]) < 1e-4)
            }
        }
        // Zeroing the attribute table changes windows with attributed items, not [2, 6] (none).
        let l = model.layout
        let plain = model.copy()
        (plain.parameters + l.attributeEmbedding).update(repeating: 0, count: l.attributeCount * l.embedding)
        #expect(encode(plain, [1, 3, 8]) != direct[0])
        #expect(encode(plain, [2, 6]) == direct[1])
    }

    @Test("training learns the attribute table; a round from a warm start with attributes keeps them")
    func trainingUsesAttributes() throws {
        var c = Self.configuration(seed: 21)
        c.epochs = 3
        c.learningRate = 0.02
        c.batchSize = 8
        let sequences: [[SessionStep]] = (0..<12).map { u in
            (0..<6).map { k in SessionStep(item: Int32((u + 2 * k) % 9), type: UInt8(k % 3)) }
        }
        let features = try Self.features()
        #expect(throws: SessionModelError.self) { try SessionTrainer(configuration: c).train(sequences: sequences) }
        let trained = try SessionTrainer(configuration: c, itemFeatures: features).train(sequences: sequences)
        let initial = try BiGRUSessionModel(configuration: c, itemFeatures: features)
        let l = trained.layout
        #expect(trained.itemFeatures == features)
        #expect(trained.weights()[l.attributeEmbedding..<l.total] != initial.weights()[l.attributeEmbedding..<l.total])
        let round = try SessionTrainer(configuration: c).trainRound(from: trained, sequences: sequences, maxExamples: 40, seed: 5)
        #expect(round.model.itemFeatures == features)
        #expect(round.model.weights()[l.attributeEmbedding..<l.total] != trained.weights()[l.attributeEmbedding..<l.total])
    }

    @Test("a model needs features of its shape exactly when it has attributes")
    func featuresMustFit() throws {
        #expect(throws: SessionModelError.self) { try BiGRUSessionModel(configuration: Self.configuration(seed: 1)) }
        #expect(throws: SessionModelError.self) {
            try BiGRUSessionModel(configuration: Self.configuration(seed: 1, attributes: 4), itemFeatures: try Self.features())
        }
        #expect(throws: SessionModelError.self) {
            try BiGRUSessionModel(configuration: Self.configuration(seed: 1, attributes: 0), itemFeatures: try Self.features())
        }
    }

    @Test("growth keeps old attribute rows and item rows; new attributes and items get fresh rows")
    func growthKeepsAttributeRows() throws {
        let model = try BiGRUSessionModel(configuration: Self.configuration(seed: 9), itemFeatures: try Self.features())
        // Three new items, two new attributes (5, 6); item 10 has none.
        let rows = Self.attributeRows + [[5], [], [6, 0]]
        let grown = try model.grown(toItems: 12, features: try SessionItemFeatures(featureCount: 7, attributes: rows), seed: 2)
        let a = model.layout, b = grown.layout, e = a.embedding
        #expect(grown.configuration.attributeCount == 7 && grown.itemCount == 12)
        for i in 0..<(5 * e) { #expect(grown.parameters[b.attributeEmbedding + i] == model.parameters[a.attributeEmbedding + i]) }
        #expect((5 * e..<7 * e).contains { grown.parameters[b.attributeEmbedding + $0] != 0 })
        for i in 0..<(9 * e) { #expect(grown.parameters[b.itemIn + i] == model.parameters[a.itemIn + i]) }
        for i in 0..<(a.attributeEmbedding - a.typeEmbedding) {
            #expect(grown.parameters[b.typeEmbedding + i] == model.parameters[a.typeEmbedding + i])
        }
        for i in 0..<9 { #expect(grown.itemFeatures.hasFeatures(i) == model.itemFeatures.hasFeatures(i)) }
        #expect(grown.itemFeatures.hasFeatures(9) && !grown.itemFeatures.hasFeatures(10))
        // Old items encode as before.
        #expect(encode(grown, [1, 3, 8]) == encode(model, [1, 3, 8]))
        // Growth by items alone keeps the table and gives new items no term.
        let byItems = model.grown(toItems: 11, seed: 3)
        #expect(byItems.configuration.attributeCount == 5 && !byItems.itemFeatures.hasFeatures(10))
        for i in 0..<(5 * e) { #expect(byItems.parameters[byItems.layout.attributeEmbedding + i] == model.parameters[a.attributeEmbedding + i]) }
        // Fewer attributes than the model has is refused.
        #expect(throws: SessionModelError.self) {
            try model.grown(toItems: 9, features: try SessionItemFeatures(featureCount: 4, attributes: [[Int32]](repeating: [], count: 9)), seed: 1)
        }
    }

    @Test("reindexing moves each item's attribute row with it")
    func reindexMovesRows() throws {
        let model = try BiGRUSessionModel(configuration: Self.configuration(seed: 9), itemFeatures: try Self.features())
        let moved = model.reindexed(itemCount: 4, seed: 1) { [3, nil, 0, 2][$0] }
        #expect(moved.itemFeatures.hasFeatures(0) && !moved.itemFeatures.hasFeatures(1))
        #expect(moved.itemFeatures.hasFeatures(2) && !moved.itemFeatures.hasFeatures(3))
        let r = Int(moved.itemFeatures.offsets[0])..<Int(moved.itemFeatures.offsets[1])
        #expect(Array(moved.itemFeatures.columns[r]) == [0, 3, 4])
    }

    @Test("a snapshot round-trips the attribute table and the item rows (format version 2)")
    func snapshotRoundTrip() throws {
        let model = try BiGRUSessionModel(configuration: Self.configuration(seed: 13), itemFeatures: try Self.features())
        let bytes = model.serialize()
        #expect(Array(bytes[8..<12]) == [2, 0, 0, 0])
        let back = try BiGRUSessionModel(serialized: bytes)
        #expect(back.configuration == model.configuration)
        #expect(back.weights() == model.weights())
        #expect(back.itemFeatures == model.itemFeatures)
        #expect(encode(back, [0, 4, 5, 7, 3]) == encode(model, [0, 4, 5, 7, 3]))
        // A damaged feature entry is caught.
        var damaged = bytes
        damaged[damaged.count - 12] ^= 0x40
        #expect(throws: SessionModelError.self) { try BiGRUSessionModel(serialized: damaged) }
    }

    @Test("a model without attributes is written as version 1, and a version 1 file without the attributeCount key loads")
    func oldSnapshotsLoad() throws {
        let c = Self.configuration(seed: 13, attributes: 0)
        let model = try BiGRUSessionModel(configuration: c)
        let bytes = model.serialize()
        #expect(Array(bytes[8..<12]) == [1, 0, 0, 0])
        // Rewrite the configuration as a build before the attribute input wrote it.
        let jsonLength = Int(bytes[12]) | Int(bytes[13]) << 8 | Int(bytes[14]) << 16 | Int(bytes[15]) << 24
        let json = String(decoding: bytes[16..<(16 + jsonLength)], as: UTF8.self)
        #expect(json.contains("\"attributeCount\":0,"))
        let oldJSON = Array(json.replacingOccurrences(of: "\"attributeCount\":0,", with: "").utf8)
        var old = Array(bytes[0..<12])
        withUnsafeBytes(of: UInt32(oldJSON.count).littleEndian) { old += $0 }
        old += oldJSON
        old += bytes[(16 + jsonLength)..<(bytes.count - 8)]
        withUnsafeBytes(of: BiGRUSessionModel.fnv1a(old[...]).littleEndian) { old += $0 }
        let back = try BiGRUSessionModel(serialized: old)
        #expect(back.configuration == c && back.weights() == model.weights())
        #expect(back.itemFeatures.entryCount == 0)
    }
}
