/// What ``Evaluator/run(_:progress:)`` should do.
public struct EvaluationRequest: Sendable {
    /// Path of the interaction file.
    public var datasetPath: String
    /// Its layout (``DatasetFormat/auto`` decides from the name).
    public var format: DatasetFormat
    /// The protocol to run.
    public var evaluationProtocol: EvaluationProtocol
    /// Model names (see ``ModelCatalog/names``), each evaluated in turn.
    public var models: [String]
    /// Cut-offs of the ranking metrics.
    public var kList: [Int]
    /// Folds of the k-fold protocol.
    public var folds: Int
    /// Seed of splits, negative sampling and initialisation (reported with the results).
    public var seed: UInt64
    /// Hyper-parameter and protocol overrides (see ``ModelOptions``), applied to every model.
    public var options: [String: String]
    /// S3-Rec attribute file (`*_item2attributes.json`): factor models give items with too few
    /// training events vectors projected from their attributes (nil: attributes unused).
    public var itemAttributesPath: String?

    /// Creates a request; defaults: auto format, K = 5, 10, 20, five folds, seed 42, no options.
    public init(datasetPath: String, format: DatasetFormat = .auto, protocol evaluationProtocol: EvaluationProtocol,
                models: [String], kList: [Int] = [5, 10, 20], folds: Int = 5, seed: UInt64 = 42,
                options: [String: String] = [:]) {
        self.datasetPath = datasetPath
        self.format = format
        self.evaluationProtocol = evaluationProtocol
        self.models = models
        self.kList = kList
        self.folds = folds
        self.seed = seed
        self.options = options
    }
}
