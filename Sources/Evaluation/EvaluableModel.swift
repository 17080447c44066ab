import Linalg
import Models

/// A fitted model as the harness sees it: scores for ranking, a value estimate for rating metrics.
///
/// Called once per user (not per item), so the existential cost is irrelevant here.
protocol EvaluableModel: AnyObject {
    /// Fills `scores[0..<items]` for `user`.
    func scoreAll(user: Int32, into scores: UnsafeMutableBufferPointer<Float>)
    /// Estimate of the value of one pair.
    func predict(user: Int32, item: Int32) -> Float
}

extension OnlineMF: EvaluableModel {}
extension ALS: EvaluableModel {}

extension Popularity: EvaluableModel {
    func predict(user: Int32, item: Int32) -> Float { counts[Int(item)] }
}
extension NeighborhoodModel: EvaluableModel {}
extension TruncatedSVD: EvaluableModel {}
extension NMF: EvaluableModel {}
extension NeuralCF: EvaluableModel {}
