/// The training objective of the session model.
public enum SessionLoss: Sendable, Codable, Equatable {
    /// Softmax cross-entropy over every item (one sgemm per batch against the output embeddings).
    case fullSoftmax
    /// Softmax over the batch's own targets plus `negatives` uniformly sampled items shared by the batch.
    case sampledSoftmax(negatives: Int)
    /// Bayesian personalised ranking: the target against `negatives` uniformly sampled items.
    case bpr(negatives: Int)

    /// Items sampled per batch as negatives (0 for the full softmax).
    public var negativeCount: Int {
        switch self {
        case .fullSoftmax: 0
        case .sampledSoftmax(let n), .bpr(let n): n
        }
    }
}
