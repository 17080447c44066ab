import Engine
import Foundation
import Models
import Testing
@testable import Evaluation

/// Item attributes as the session encoders' input in `eval` and `train-session`.
@Suite("Session models with item attributes")
struct SessionAttributeEvaluationTests {
    /// Item `iK` has attributes `"c<K mod 5>"` and, for even K, `"even"`; items 50... have none.
    static func attributes() -> ItemAttributes {
        var table: [String: [String]] = [:]
        for k in 0..<50 { table["i\(k)"] = ["c\(k % 5)"] + (k % 2 == 0 ? ["even"] : []) }
        table["not-in-data"] = ["zzz"]
        return ItemAttributes(byItem: table)
    }

    static let data = { try! DatasetLoader.parse(SessionEvaluationTests.sequenceText(), format: .sequence) }()

    @Test("attributes are numbered by first appearance over the data set's items; others are ignored")
    func numbering() throws {
        let (rows, count) = SessionAttributeInput.rows(Self.attributes(), itemIds: Self.data.itemIds)
        #expect(count == 6)
        let names = Self.data.itemIds
        for (i, id) in names.enumerated() {
            let k = Int(id.dropFirst())!
            #expect(rows[i].count == (k >= 50 ? 0 : k % 2 == 0 ? 2 : 1))
        }
        let f = try #require(try SessionAttributeInput.features(Self.attributes(), itemIds: names,
                                                                options: try ModelOptions(["attrenc": "embedding"]), seed: 1))
        #expect(f.featureCount == 6 && f.itemCount == names.count)
        // The default is the autoencoder's code (32 units).
        let code = try #require(try SessionAttributeInput.features(Self.attributes(), itemIds: names,
                                                                   options: try ModelOptions(["aeepochs": "1"]), seed: 1))
        #expect(code.featureCount == 32)
    }

    @Test("the hashed input is the daemon's: each item averages the buckets of its attribute names")
    func hashedRows() throws {
        let f = try #require(try SessionAttributeInput.features(Self.attributes(), itemIds: Self.data.itemIds,
                                                                options: try ModelOptions(["attrenc": "hashed", "buckets": "16"]), seed: 1))
        #expect(f.featureCount == 16)
        for (i, id) in Self.data.itemIds.enumerated() {
            let expected = Array(Set((Self.attributes().byItem[id] ?? []).map { SessionAttributeBucket.of($0, buckets: 16) })).sorted()
            #expect(Array(f.columns[Int(f.offsets[i])..<Int(f.offsets[i + 1])]) == expected, "item \(id)")
        }
        #expect { try SessionAttributeInput.features(Self.attributes(), itemIds: Self.data.itemIds,
                                                     options: try ModelOptions(["attrenc": "hashed", "buckets": "0"]), seed: 1) }
            throws: { String(describing: $0).contains("buckets") }
    }

    @Test("the autoencoder input gives each attributed item a code row of aecode values")
    func autoencoderRows() throws {
        var stages: [String] = []
        let f = try #require(try SessionAttributeInput.features(
            Self.attributes(), itemIds: Self.data.itemIds,
            options: try ModelOptions(["attrenc": "autoencoder", "aecode": "3", "aeepochs": "5"]), seed: 1) { stages.append($0.stage) })
        #expect(f.featureCount == 3)
        for (i, id) in Self.data.itemIds.enumerated() {
            #expect(f.hasFeatures(i) == (Int(id.dropFirst())! < 50))
        }
        #expect(stages.contains { $0.contains("autoencoder 6 → 3") })
        #expect { try SessionAttributeInput.features(Self.attributes(), itemIds: Self.data.itemIds,
                                                     options: try ModelOptions(["attrenc": "pca"]), seed: 1) }
            throws: { String(describing: $0).contains("attrenc=pca") }
    }

    func run(_ model: String, _ extra: [String: String] = [:], attributes: ItemAttributes?) throws -> [String: Double] {
        let options = SessionEvaluationTests.small.merging(extra) { $1 }
        let request = EvaluationRequest(datasetPath: "planted", protocol: .loo, models: [model], kList: [10], seed: 1,
                                        options: options)
        return try Evaluator.run(model: model, on: Self.data, request: request, attributes: attributes).metrics
    }

    @Test("loo with attributes: bigru and hybrid still find the planted transitions", arguments: ["bigru", "hybrid"])
    func looWithAttributes(model: String) throws {
        let hr = try #require(try run(model, attributes: Self.attributes())["hr@10"])
        #expect(hr >= 0.6, "\(model) hr@10 = \(hr)")
        let mean = try #require(try run(model, ["attrenc": "embedding"], attributes: Self.attributes())["hr@10"])
        #expect(mean >= 0.6, "\(model) embedding-mean hr@10 = \(mean)")
    }

    @Test("an attribute file that describes none of the items is refused for a session model")
    func noMatchingItems() throws {
        #expect { try run("bigru", attributes: ItemAttributes(byItem: ["x": ["a"]])) }
            throws: { ($0 as? EvaluationError)?.code == .emptyData }
    }

    @Test("train-session with attributes writes a version 2 model that carries them")
    func trainSessionWithAttributes() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("srattr-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("seq.txt").path
        try SessionEvaluationTests.sequenceText().write(toFile: input, atomically: true, encoding: .utf8)
        let json = try JSONSerialization.data(withJSONObject: Self.attributes().byItem)
        let attributesPath = dir.appendingPathComponent("attrs.json").path
        try json.write(to: URL(fileURLWithPath: attributesPath))
        let out = dir.appendingPathComponent("session.srsnap").path
        var request = SessionTrainingRequest(inputPath: input, outputPath: out, mfModel: nil,
                                             options: SessionEvaluationTests.small.merging(["attrenc": "embedding"]) { $1 },
                                             seed: 3)
        request.itemAttributesPath = attributesPath
        _ = try SessionTraining.run(request)
        let bytes = try SnapshotReader(path: out).section("session.bigru")
        #expect(Array(bytes[8..<12]) == [2, 0, 0, 0])
        let model = try BiGRUSessionModel(serialized: bytes)
        let entries = Self.data.itemIds.reduce(0) { n, id in
            let k = Int(id.dropFirst())!
            return n + (k >= 50 ? 0 : k % 2 == 0 ? 2 : 1)
        }
        #expect(model.configuration.attributeCount == 6 && model.itemFeatures.entryCount == entries)
        // A missing file is named.
        request.itemAttributesPath = dir.appendingPathComponent("missing.json").path
        #expect { try SessionTraining.run(request) } throws: {
            ($0 as? EvaluationError)?.code == .fileNotFound && String(describing: $0).contains("missing.json")
        }
    }
}
