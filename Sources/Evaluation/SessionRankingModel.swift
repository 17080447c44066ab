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

/// MF and session scores fused per user by a ``HybridFusion`` (z-scored sides, fitted weights).
/// Users with no session window rank by MF alone; users with no MF history by the session alone.
final class HybridRankingModel: EvaluableModel {
    let mf: any EvaluableModel
    let session: SessionRankingModel
    let fusion: HybridFusion
    /// Whether each user had training rows for the MF side.
    let hasMFHistory: [Bool]
    private var mfBuffer: [Float]
    private var sessionBuffer: [Float]

    init(mf: any EvaluableModel, session: SessionRankingModel, fusion: HybridFusion, hasMFHistory: [Bool]) {
        self.mf = mf
        self.session = session
        self.fusion = fusion
        self.hasMFHistory = hasMFHistory
        mfBuffer = [Float](repeating: 0, count: session.model.itemCount)
        sessionBuffer = mfBuffer
    }

    func scoreAll(user: Int32, into scores: UnsafeMutableBufferPointer<Float>) {
        let n = session.model.itemCount
        let u = Int(user)
        let useMF = u < hasMFHistory.count && hasMFHistory[u]
        let useSession = u < session.hasWindow.count && session.hasWindow[u]
        if useMF { mfBuffer.withUnsafeMutableBufferPointer { mf.scoreAll(user: user, into: $0) } }
        if useSession { sessionBuffer.withUnsafeMutableBufferPointer { session.scoreAll(user: user, into: $0) } }
        let out = UnsafeMutableBufferPointer(rebasing: scores[0..<n])
        mfBuffer.withUnsafeBufferPointer { m in
            sessionBuffer.withUnsafeBufferPointer { s in
                fusion.fuse(mf: useMF ? m : nil, session: useSession ? s : nil, into: out)
            }
        }
    }

    func predict(user: Int32, item: Int32) -> Float {
        var row = [Float](repeating: 0, count: session.model.itemCount)
        row.withUnsafeMutableBufferPointer { scoreAll(user: user, into: $0) }
        return row[Int(item)]
    }
}
