import Foundation
import Linalg
import Models
import Testing
@testable import Evaluation

@Suite("Session models in the harness (bigru, gru, hybrid) and train-session")
struct SessionEvaluationTests {
    static let items = 60

    /// Users walk a planted cycle (`next = (7·item + 3) mod 60`) with probability 0.8, else a random item.
    static func sequenceText(users: Int = 80, length: Int = 14, seed: UInt64 = 9) -> String {
        var rng = SeededGenerator(seed: seed)
        var lines: [String] = []
        for u in 0..<users {
            var item = rng.nextInt(below: items)
            var seq = [item]
            for _ in 1..<length {
                item = rng.nextUnit() < 0.8 ? (7 * item + 3) % items : rng.nextInt(below: items)
                seq.append(item)
            }
            lines.append("u\(u) " + seq.map { "i\($0)" }.joined(separator: " "))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static let small = ["hidden": "16", "embedding": "16", "window": "5", "sepochs": "8", "slr": "0.01",
                        "dropout": "0", "factors": "8", "iters": "5"]

    func run(_ model: String, _ options: [String: String] = small) throws -> [String: Double] {
        let data = try DatasetLoader.parse(Self.sequenceText(), format: .sequence)
        let request = EvaluationRequest(datasetPath: "planted", protocol: .loo, models: [model], kList: [10], seed: 1,
                                        options: options)
        return try Evaluator.run(model: model, on: data, request: request).metrics
    }

    @Test("loo on planted transitions: bigru, gru and hybrid find the next item; popularity does not",
          arguments: ["bigru", "gru", "hybrid"])
    func plantedTransitions(model: String) throws {
        let hr = try #require(try run(model)["hr@10"])
        let pop = try #require(try run("pop")["hr@10"])
        #expect(hr >= 0.6, "\(model) hr@10 = \(hr)")
        #expect(pop <= 0.4, "pop hr@10 = \(pop)")
    }

    @Test("bad session options are refused with the key named")
    func badOptions() throws {
        #expect { try run("bigru", ["loss": "hinge"]) } throws: { String(describing: $0).contains("loss=hinge") }
        #expect { try run("hybrid", ["mf": "bigru"]) } throws: { String(describing: $0).contains("mf=bigru") }
        #expect { try run("hybrid", ["fusion": "2"]) } throws: { String(describing: $0).contains("fusion=2") }
        #expect { try run("bigru", ["hidden": "0"]) } throws: { ($0 as? EvaluationError)?.code == .invalidOption }
    }

    @Test("session histories: epoch-like timestamps become step times, positions do not")
    func stepTimes() {
        #expect(SessionModelFitter.stepTime(881_250_949) == 881_250_949_000)
        #expect(SessionModelFitter.stepTime(1_700_000_000_000) == 1_700_000_000_000)
        #expect(SessionModelFitter.stepTime(12) == nil)
    }

    @Test("train-session writes a snapshot with the MF warm start, the versioned session model, item ids and fusion")
    func trainSessionSnapshot() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("srsess-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("seq.txt").path
        try Self.sequenceText().write(toFile: input, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("session.srsnap").path
        var stages: [String] = []
        let summary = try SessionTraining.run(SessionTrainingRequest(inputPath: input, outputPath: out, mfModel: "ials",
                                                                     options: Self.small, seed: 3)) { stages.append($0.stage) }
        #expect(summary.items == Self.items && summary.users == 80)
        #expect(abs(summary.fusion.mfWeight + summary.fusion.sessionWeight - 1) < 1e-6)
        #expect(stages.contains("training bigru"))
        let reader = try SnapshotReader(path: out)
        for name in ["session.bigru", "session.items", "session.meta", "ids.users", "ids.items"] {
            #expect(reader.contains(name), "missing \(name)")
        }
        let model = try BiGRUSessionModel(serialized: try reader.section("session.bigru"))
        #expect(model.itemCount == Self.items && model.configuration.hiddenSize == 16)
        var ids = try reader.reader(for: "session.items")
        #expect(try ids.readStrings().count == Self.items)
        var meta = try reader.reader(for: "session.meta")
        #expect(try meta.read(UInt32.self) == SessionTraining.metaVersion)
        #expect(try meta.readFloat() == summary.fusion.mfWeight)
        let warm = try WarmStartSnapshot(reader: reader)
        #expect(warm.itemIds.count == Self.items)
    }
}
