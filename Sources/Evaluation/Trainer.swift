import Foundation
import Models

/// What `streamrec train` should do.
public struct TrainingRequest: Sendable {
    /// Interaction file.
    public var inputPath: String
    /// Its layout.
    public var format: DatasetFormat
    /// Model name: `biasedmf`, `bmf`, `bpr`, `als` or `ials` (all warm-start an ``OnlineMF``).
    public var model: String
    /// Where the snapshot goes.
    public var outputPath: String
    /// Hyper-parameter overrides (see ``ModelOptions``).
    public var options: [String: String]
    /// Seed of initialisation and sampling.
    public var seed: UInt64

    /// Creates a request.
    public init(inputPath: String, format: DatasetFormat = .auto, model: String, outputPath: String,
                options: [String: String] = [:], seed: UInt64 = 42) {
        self.inputPath = inputPath
        self.format = format
        self.model = model
        self.outputPath = outputPath
        self.options = options
        self.seed = seed
    }
}

/// What a training run produced.
public struct TrainingSummary: Sendable, Equatable {
    /// Users, items and events learned.
    public var users: Int, items: Int, events: Int
    /// Loss after each epoch.
    public var losses: [Double]
    /// Wall time in seconds.
    public var seconds: Double
    /// The snapshot path written.
    public var outputPath: String
}

/// Library entry point of `streamrec train`: batch training on a whole file, then a warm-start
/// snapshot (``WarmStartSnapshot``) the daemon loads. Never prints; reports through `progress`.
public enum Trainer {
    /// Models whose state is an ``OnlineMF`` (directly or converted).
    public static let models = ["biasedmf", "bmf", "bpr", "als", "ials"]

    /// Trains and writes the snapshot.
    public static func run(_ request: TrainingRequest, progress: (Progress) -> Void = { _ in }) throws -> TrainingSummary {
        guard models.contains(request.model) else {
            throw EvaluationError(.unknownModel, "cannot train \(request.model) for the daemon; choose one of \(models.joined(separator: ", "))")
        }
        let start = DispatchTime.now().uptimeNanoseconds
        let options = try ModelOptions(request.options)
        progress(Progress(stage: "loading \(request.inputPath)", completed: 0, total: 0))
        let data = try DatasetLoader.load(path: request.inputPath, format: request.format)
        let snapshot = try train(request.model, data: data, options: options, seed: request.seed) { p, losses in
            progress(Progress(stage: "training \(request.model)", completed: p.epoch, total: p.epochs,
                              message: "loss \(EvaluationResult.number(p.loss, digits: 4))"))
            _ = losses
        }
        let warm = try WarmStartSnapshot(model: snapshot.model, userIds: data.userIds, itemIds: data.itemIds)
        progress(Progress(stage: "writing \(request.outputPath)", completed: 0, total: 0))
        try warm.write(toPath: request.outputPath)
        return TrainingSummary(users: data.users, items: data.items, events: data.count, losses: snapshot.losses,
                               seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, outputPath: request.outputPath)
    }

    /// Trains `name` on all of `data` and returns the learner state to continue per event.
    static func train(_ name: String, data: Interactions, options: ModelOptions, seed: UInt64,
                      progress: (TrainingProgress, [Double]) -> Void) throws -> (model: OnlineMFSnapshot, losses: [Double]) {
        var losses: [Double] = []
        let report: (TrainingProgress) -> Void = { p in losses.append(p.loss); progress(p, losses) }
        let training = try data.trainingData(binary: ModelCatalog.binaryTraining(name, options: options),
                                            recency: Double(try options.float("recency", ModelCatalog.defaultRecency(name))),
                                            boost: try options.float("rboost", ModelCatalog.defaultRecencyBoost(name)))
        switch name {
        case "als", "ials":
            let als = try ALS.train(training, configuration: try ModelCatalog.alsConfiguration(name, options: options, seed: seed), progress: report)
            let onlineName = name == "als" ? "biasedmf" : "bmf"
            let online = try ModelCatalog.onlineConfiguration(onlineName, options: options, seed: seed)
            let counts = (0..<training.users).map { Int32(training.userDegree($0)) }
            let itemCounts = (0..<training.items).map { Int32(training.itemDegree($0)) }
            return (als.onlineSnapshot(configuration: online, userCount: counts, itemCount: itemCounts), losses)
        default:
            guard let fitted = try ModelCatalog.fit(name, data: data, options: options, seed: seed, progress: report) as? OnlineMF else {
                throw EvaluationError(.unsupported, "\(name) does not produce an OnlineMF state")
            }
            return (fitted.snapshot(), losses)
        }
    }
}
