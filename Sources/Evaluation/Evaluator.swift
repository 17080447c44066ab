import Foundation
import Models

/// Library entry point of `streamrec eval`: loads the dataset, runs the protocol for each model,
/// returns one result per model. Never prints; reports through `progress`.
public enum Evaluator {
    /// Runs `request`; throws ``EvaluationError`` for unknown models, protocols or options and unreadable data.
    public static func run(_ request: EvaluationRequest, progress: (Progress) -> Void = { _ in }) throws -> [EvaluationResult] {
        let options = try ModelOptions(request.options)
        for m in request.models where !ModelCatalog.names.contains(m) {
            throw EvaluationError(.unknownModel, "unknown model \(m); known: \(ModelCatalog.names.joined(separator: ", "))")
        }
        guard !request.kList.isEmpty, request.kList.allSatisfy({ $0 > 0 }) else {
            throw EvaluationError(.invalidOption, "K list must hold positive cut-offs")
        }
        progress(Progress(stage: "loading \(request.datasetPath)", completed: 0, total: 0))
        let data = try DatasetLoader.load(path: request.datasetPath, format: request.format)
        let attributes = try request.itemAttributesPath.map { try ItemAttributes.load(path: $0) }
        return try request.models.map { model in
            try run(model: model, on: data, request: request, options: options, attributes: attributes, progress: progress)
        }
    }

    /// Runs one model on already loaded data (with `attributes`: see ``EvaluationRequest/itemAttributesPath``).
    public static func run(model: String, on data: Interactions, request: EvaluationRequest, attributes: ItemAttributes? = nil,
                           progress: (Progress) -> Void = { _ in }) throws -> EvaluationResult {
        try run(model: model, on: data, request: request, options: try ModelOptions(request.options), attributes: attributes,
                progress: progress)
    }

    static func run(model: String, on data: Interactions, request: EvaluationRequest, options: ModelOptions,
                    attributes: ItemAttributes? = nil, progress: (Progress) -> Void) throws -> EvaluationResult {
        let start = DispatchTime.now().uptimeNanoseconds
        let outcome: (metrics: [String: Double], series: [String: [Double]])
        switch request.evaluationProtocol {
        case .kfold:
            guard request.folds >= 2 else { throw EvaluationError(.invalidOption, "folds must be at least 2") }
            outcome = try RatingProtocol.run(data, model: model, folds: request.folds, seed: request.seed, options: options, progress: progress)
        case .loo, .lto:
            outcome = try RankingProtocol.run(data, model: model, holdOut: request.evaluationProtocol == .loo ? 1 : 2,
                                              kList: request.kList, seed: request.seed, options: options,
                                              attributes: attributes, progress: progress)
        case .coldstart:
            outcome = try ColdStartProtocol.run(data, model: model, kList: request.kList, seed: request.seed, options: options,
                                                attributes: attributes, progress: progress)
        case .prequential:
            outcome = try PrequentialProtocol.run(data, model: model, kList: request.kList, seed: request.seed,
                                                  options: options, progress: progress)
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let name = request.datasetPath.split(separator: "/").last.map(String.init) ?? request.datasetPath
        return EvaluationResult(dataset: name, protocol: request.evaluationProtocol.rawValue, model: model,
                                metrics: outcome.metrics, seconds: seconds, seed: request.seed, series: outcome.series)
    }
}
