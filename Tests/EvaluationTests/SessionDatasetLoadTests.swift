import Evaluation
import Foundation
import Models
import Testing

@Suite("Session data sets read through the evaluation's file loader")
struct SessionDatasetLoadTests {
    func write(_ text: String, name: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("srsessds-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test("u.data: each user's items oldest first, ids by first appearance, epoch seconds as ms")
    func udata() throws {
        let path = try write("1\t10\t5\t881250949\n2\t20\t3\t881250950\n1\t30\t4\t881250940\n", name: "u.data")
        let data = try SessionDataset.load(path: path)
        #expect(data.itemCount == 3)
        #expect(data.originalItemIds == ["10", "20", "30"])
        #expect(data.sequences.map { $0.map(\.item) } == [[2, 0], [1]])
        #expect(data.sequences[0].map(\.timestampMs) == [881_250_940_000, 881_250_949_000])
    }

    @Test("sequence files: items in line order, no step times")
    func sequences() throws {
        let path = try write("1 5 6 7\n2 6 8\n", name: "Beauty.txt")
        let data = try SessionDataset.load(path: path)
        #expect(data.itemCount == 4 && data.originalItemIds == ["5", "6", "7", "8"])
        #expect(data.sequences.map { $0.map(\.item) } == [[0, 1, 2], [1, 3]])
        #expect(data.sequences.allSatisfy { $0.allSatisfy { $0.timestampMs == nil } })
    }

    @Test("JSON lines load too (the old reader of this data set read only u.data and sequences)")
    func jsonLines() throws {
        let path = try write("""
            {"user":"a","item":"x","type":"click","ts":1700000001000}
            {"user":"a","item":"y","type":"click","ts":1700000000000}

            """, name: "events.jsonl")
        let data = try SessionDataset.load(path: path)
        #expect(data.originalItemIds == ["x", "y"])
        #expect(data.sequences.map { $0.map(\.item) } == [[1, 0]])
        #expect(data.sequences[0].map(\.timestampMs) == [1_700_000_000_000, 1_700_000_001_000])
    }
}
