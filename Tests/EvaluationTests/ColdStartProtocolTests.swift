import Foundation
import Linalg
import Testing
@testable import Evaluation

@Suite("Cold start of new items from attributes")
struct ColdStartProtocolTests {
    /// Two taste clusters of 150 items each; every item carries its cluster's attribute; each
    /// user clicks 20 items of their own cluster.
    static func clustered() throws -> (Interactions, ItemAttributes) {
        var rng = SeededGenerator(seed: 9)
        var u: [Int32] = [], i: [Int32] = [], v: [Float] = [], t: [Int64] = []
        var clock: Int64 = 0
        for user in 0..<300 {
            let cluster = user % 2
            var mine = Set<Int>()
            while mine.count < 20 { mine.insert(cluster * 150 + rng.nextInt(below: 150)) }
            for item in mine.sorted() {
                u.append(Int32(user)); i.append(Int32(item)); v.append(1)
                clock += 1; t.append(clock)
            }
        }
        let data = try Interactions(user: u, item: i, value: v, timestamp: t)
        var byItem: [String: [String]] = [:]
        for (index, id) in data.itemIds.enumerated() { byItem[id] = [Int(id)! < 150 ? "cluster-a" : "cluster-b", "sku\(index)"] }
        return (data, ItemAttributes(byItem: byItem))
    }

    @Test("attributes place new items in their cluster: HR@10 above the no-attribute models")
    func attributesBeatUnknownItems() throws {
        let (data, attributes) = try Self.clustered()
        let request = EvaluationRequest(datasetPath: "clustered", protocol: .coldstart, models: [], kList: [10], seed: 3,
                                        options: ["epochs": "10", "factors": "16"])
        let withAttributes = try Evaluator.run(model: "bmf", on: data, request: request, attributes: attributes)
        let without = try Evaluator.run(model: "bmf", on: data, request: request)
        let popularity = try Evaluator.run(model: "pop", on: data, request: request)
        let hrWith = try #require(withAttributes.metrics["hr@10"])
        let hrWithout = try #require(without.metrics["hr@10"])
        let hrPop = try #require(popularity.metrics["hr@10"])
        let newItems = try #require(withAttributes.metrics["new_items"])
        print("coldstart on clustered data (\(Int(newItems)) new items): bmf+attributes \(hrWith), bmf \(hrWithout), pop \(hrPop)")
        #expect(withAttributes.metrics["cases"] == without.metrics["cases"])
        #expect(hrWith > 1.5 * max(hrWithout, hrPop))
        #expect(hrWith > 10 / newItems * 1.5)
    }

    @Test("the S3-Rec attribute file reads numbers as attribute names; other shapes are refused")
    func attributeFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("attrs-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try #"{"4": [1, 2, 3], "83": ["x"]}"#.write(toFile: path, atomically: true, encoding: .utf8)
        let attributes = try ItemAttributes.load(path: path)
        #expect(attributes.byItem == ["4": ["1", "2", "3"], "83": ["x"]])
        try #"{"4": 1}"#.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: EvaluationError.self) { try ItemAttributes.load(path: path) }
    }
}
