import Foundation
import Testing
@testable import Evaluation

/// Checks on the shared MovieLens-100K file when it is present beside the project; skipped otherwise.
@Suite("MovieLens-100K (when present)")
struct EvaluationDatasetTests {
    static let path: String = {
        let env = ProcessInfo.processInfo.environment["STREAMREC_DATASETS"] ?? "../shared/datasets"
        return env + "/ml-100k/u.data"
    }()

    @Test("u.data loads with the published counts and leave-one-out holds out one event per user")
    func loadAndSplit() throws {
        guard FileManager.default.fileExists(atPath: Self.path) else {
            print("skipped: \(Self.path) absent (set STREAMREC_DATASETS)")
            return
        }
        let data = try DatasetLoader.load(path: Self.path)
        #expect(data.count == 100_000)
        #expect(data.users == 943)
        #expect(data.items == 1682)
        #expect(data.valueRange == 1...5)
        let split = Splits.leaveLastOut(data, count: 1)
        #expect(split.test.count == 943)
        let byUser = data.rowsByUser()
        for k in split.test {
            let rows = byUser[Int(data.user[k])]
            #expect(rows.last == k)
        }
    }

    @Test("a small implicit ALS beats popularity on leave-last-one-out")
    func alsBeatsPopularity() throws {
        guard FileManager.default.fileExists(atPath: Self.path) else {
            print("skipped: \(Self.path) absent (set STREAMREC_DATASETS)")
            return
        }
        let data = try DatasetLoader.load(path: Self.path)
        let request = EvaluationRequest(datasetPath: Self.path, protocol: .loo, models: [], kList: [10],
                                        options: ["factors": "16", "iters": "3"])
        let pop = try Evaluator.run(model: "pop", on: data, request: request)
        let als = try Evaluator.run(model: "ials", on: data, request: request)
        #expect(try #require(als.metrics["hr@10"]) > (try #require(pop.metrics["hr@10"])))
    }
}
