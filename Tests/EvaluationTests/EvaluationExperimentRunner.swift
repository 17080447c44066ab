import Foundation
import Testing
@testable import Evaluation

/// Runs an evaluation described by the `STREAMREC_EVAL` environment variable and prints its JSON
/// lines; skipped when the variable is unset. Used for the figures in the report, in release:
/// `STREAMREC_EVAL='path=…;protocol=loo;models=bmf;options=factors=64,lr=0.05' swift test -c release --filter EvaluationExperimentRunner`
@Suite("Experiment runner")
struct EvaluationExperimentRunner {
    @Test("run the evaluation described by STREAMREC_EVAL")
    func run() throws {
        guard let spec = ProcessInfo.processInfo.environment["STREAMREC_EVAL"] else {
            print("STREAMREC_EVAL not set: nothing to run")
            return
        }
        var fields: [String: String] = [:]
        for part in spec.split(separator: ";") {
            let kv = part.split(separator: "=", maxSplits: 1).map(String.init)
            if kv.count == 2 { fields[kv[0]] = kv[1] }
        }
        let path = try #require(fields["path"])
        guard FileManager.default.fileExists(atPath: path) else {
            print("dataset \(path) absent: skipped")
            return
        }
        let options = try ModelOptions(parsing: fields["options"] ?? "")
        let request = EvaluationRequest(
            datasetPath: path, format: DatasetFormat(rawValue: fields["format"] ?? "auto") ?? .auto,
            protocol: try #require(EvaluationProtocol(rawValue: fields["protocol"] ?? "loo")),
            models: (fields["models"] ?? "bmf").split(separator: ",").map(String.init),
            kList: (fields["k"] ?? "5,10,20").split(separator: ",").compactMap { Int($0) },
            folds: Int(fields["folds"] ?? "5") ?? 5, seed: UInt64(fields["seed"] ?? "42") ?? 42, options: options.values)
        let results = try Evaluator.run(request)
        for r in results {
            print("RESULT " + r.json)
            for (name, values) in r.series.sorted(by: { $0.key < $1.key }) where !values.isEmpty {
                print("SERIES \(r.model) \(name): " + values.map { EvaluationResult.number($0, digits: 4) }.joined(separator: " "))
            }
        }
    }
}
