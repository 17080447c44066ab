/// How a model is evaluated.
public enum EvaluationProtocol: String, Sendable, Codable, CaseIterable {
    /// Rating prediction, random k-fold cross-validation: RMSE, MAE (mean over folds).
    case kfold
    /// Leave the last event of each user out (by time); full ranking of unseen items.
    case loo
    /// Leave the last two events of each user out; both are relevant in the ranking.
    case lto
    /// Events in time order, each scored before it is learned (test-then-train).
    case prequential
}
