import Engine
import Foundation
import Linalg
import Models
import Testing
@testable import Evaluation

/// The hybrid that `streamrec eval` scores is the engine's own ranking: its score rows come from
/// `RecommenderCore.scoreRows`, so each user's top 10 over unseen items is the list the engine
/// would publish for that user (`currentList`), item for item.
@Suite("eval's hybrid goes through the engine's ranking")
struct EngineHybridTests {
    @Test("each user's top 10 from the harness's scores is the engine's current list")
    func sameListsAsTheEngine() throws {
        let data = try DatasetLoader.parse(SessionEvaluationTests.sequenceText(), format: .sequence)
        let options = try ModelOptions(SessionEvaluationTests.small)
        let histories = SessionModelFitter.histories(data)
        let parts = try SessionModelFitter.fitHybrid(data: data, histories: histories, options: options, seed: 1) { _ in }
        let model = try EngineHybridModel(mf: parts.mf, session: parts.session, fusion: parts.fusion, data: data,
                                          histories: histories)
        #expect(parts.fusion.sessionWeight > 0)
        var scores = [Float](repeating: 0, count: data.items)
        var selector = TopKSelector(capacity: 10)
        var compared = 0
        for u in 0..<data.users {
            scores.withUnsafeMutableBufferPointer { model.scoreAll(user: Int32(u), into: $0) }
            let seen = Set(histories[u].map { Int($0.item) })
            let fromHarness = scores.withUnsafeBufferPointer { s in selector.select(s, k: 10) { seen.contains($0) } }
            let list = try #require(model.core.currentList(for: data.userIds[u], k: 10, wallClockMs: 0))
            #expect(list.model == "hybrid")
            #expect(list.items.map(\.item) == fromHarness.map { data.itemIds[$0.index] }, "user \(data.userIds[u])")
            for (published, harness) in zip(list.items, fromHarness) {
                #expect(abs(published.score - harness.score) < 1e-4)
            }
            compared += 1
        }
        #expect(compared == 80)
    }

    @Test("an MF side the engine cannot hold is refused with the key named")
    func mfSideMustBeAnEngineModel() throws {
        let data = try DatasetLoader.parse(SessionEvaluationTests.sequenceText(users: 10), format: .sequence)
        let request = EvaluationRequest(datasetPath: "planted", protocol: .loo, models: ["hybrid"], kList: [10], seed: 1,
                                        options: SessionEvaluationTests.small.merging(["mf": "itemknn"]) { $1 })
        #expect { try Evaluator.run(model: "hybrid", on: data, request: request) } throws: {
            String(describing: $0).contains("mf=itemknn")
        }
    }
}
