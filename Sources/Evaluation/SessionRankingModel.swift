import Linalg
import Models

/// A trained session encoder as the harness sees it: each user's session vector is encoded once
/// from their training history (the last `windowLength` steps), and `scoreAll` is one sgemm row
/// against the output item embeddings.
final class SessionRankingModel: EvaluableModel {
    /// The encoder.
    let model: BiGRUSessionModel
    /// Session vectors, `users × sessionDimension`, row-major.
    private let vectors: [Float]
    /// Whether each user has at least one step in their history.
    let hasWindow: [Bool]

    /// Encodes every user's history (oldest first; empty for users without training rows).
    init(model: BiGRUSessionModel, histories: [[SessionStep]]) {
        self.model = model
        self.vectors = model.sessionVectors(histories: histories)
        self.hasWindow = histories.map { !$0.isEmpty }
    }

    func scoreAll(user: Int32, into scores: UnsafeMutableBufferPointer<Float>) {
        precondition(scores.count >= model.itemCount, "SessionRankingModel.scoreAll: buffer too small")
        let e = model.sessionDimension
        vectors.withUnsafeBufferPointer { v in
            model.scoreItems(sessionVectors: v.baseAddress! + Int(user) * e, count: 1, into: scores.baseAddress!)
        }
    }

    func predict(user: Int32, item: Int32) -> Float {
        var row = [Float](repeating: 0, count: model.itemCount)
        row.withUnsafeMutableBufferPointer { scoreAll(user: user, into: $0) }
        return row[Int(item)]
    }
}
