/// What an interaction's value means to a learner.
public enum Feedback: String, Sendable, Codable, CaseIterable {
    /// A rating on a scale (e.g. 1–5 stars): squared loss on the value.
    case explicit
    /// A click, view or purchase: the value is a confidence weight of a positive, logistic loss with sampled negatives.
    case implicit
}
