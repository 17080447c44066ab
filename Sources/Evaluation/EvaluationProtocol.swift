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
    /// New items: a share of the items held out of training, each user's first of them ranked
    /// among the new items (`ColdStartProtocol`).
    case coldstart

    /// The model evaluated when none is named: a rating model where ratings are scored (kfold,
    /// prequential: `biasedmf`), a ranking model for the leave-out rankings (loo, lto: `bmf`).
    public var defaultModel: String {
        switch self {
        case .kfold, .prequential: "biasedmf"
        case .loo, .lto, .coldstart: "bmf"
        }
    }
}
