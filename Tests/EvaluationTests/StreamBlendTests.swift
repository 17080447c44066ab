import Linalg
import Models
import Testing
@testable import Evaluation

@Suite("Online blend of stream learners")
struct StreamBlendTests {
    /// Item kNN parts with huge bias shrinkage predict the running mean; a second learner with no
    /// shrinkage tracks the items.
    private func parts() -> [any StreamLearner] {
        [OnlineItemKNN(neighbours: 1, shrinkage: 1e9, itemBiasShrinkage: 1e9, userBiasShrinkage: 1e9),
         OnlineItemKNN(neighbours: 1, shrinkage: 1e9, itemBiasShrinkage: 0.01, userBiasShrinkage: 1e9)]
    }

    @Test("without weight learning the estimate is the mean of the parts' estimates")
    func equalWeights() {
        let blend = StreamBlend(parts(), weightRate: 0)
        for _ in 0..<3 { _ = blend.addUser(); _ = blend.addItem() }
        blend.update(user: 0, item: 0, value: 5)
        blend.update(user: 1, item: 1, value: 1)
        let a = blend.parts[0].predict(user: 2, item: 0), b = blend.parts[1].predict(user: 2, item: 0)
        #expect(abs(blend.predict(user: 2, item: 0) - (a + b) / 2) < 1e-6)
        #expect(blend.weights == [0.5, 0.5])
        var scores = [Float](repeating: 0, count: 3)
        scores.withUnsafeMutableBufferPointer { blend.scoreAll(user: 2, into: $0) }
        #expect(abs(scores[0] - (a + b) / 2) < 1e-5)
    }

    @Test("learned weights move towards the part that tracks the data")
    func learnsWeights() {
        let blend = StreamBlend(parts(), weightRate: 0.05)
        _ = blend.addUser()
        for _ in 0..<2 { _ = blend.addItem() }
        var first: Float = 0, last: Float = 0
        for step in 0..<400 {
            let item = Int32(step % 2), value: Float = item == 0 ? 5 : 1
            let p = blend.update(user: 0, item: item, value: value)
            if step == 10 { first = abs(p - value) }
            last = abs(p - value)
        }
        #expect(blend.weights[1] > blend.weights[0] + 0.3, "weights \(blend.weights)")
        #expect(last < first)
    }

    @Test("parts must be online rating learners")
    func rejectsBadParts() throws {
        #expect(throws: EvaluationError.self) { _ = try ModelCatalog.streamLearner("blend", options: try ModelOptions(["mix": "biasedmf+ials"]), seed: 1) }
        let learner = try #require(try ModelCatalog.streamLearner("blend", options: ModelOptions([:]), seed: 1) as? StreamBlend)
        #expect(learner.parts.count == 4)
    }
}
