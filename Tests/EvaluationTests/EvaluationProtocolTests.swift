import Foundation
import Linalg
import Testing
@testable import Evaluation

@Suite("Protocols end to end on generated data")
struct EvaluationProtocolTests {
    /// Planted two-cluster data: users prefer items of their own cluster; ratings 1–5; timestamps increasing.
    private func planted() throws -> Interactions {
        var rng = SeededGenerator(seed: 5)
        var u: [Int32] = [], i: [Int32] = [], v: [Float] = [], t: [Int64] = []
        var clock: Int64 = 0
        for user in 0..<60 {
            for _ in 0..<25 {
                let own = rng.nextUnit() < 0.85
                let cluster = (user % 2 == 0) == own ? 0 : 1
                let item = cluster * 20 + rng.nextInt(below: 20)
                u.append(Int32(user)); i.append(Int32(item)); v.append(own ? 4 + Float(rng.nextInt(below: 2)) : 1 + Float(rng.nextInt(below: 2)))
                clock += 1; t.append(clock)
            }
        }
        return try Interactions(user: u, item: i, value: v, timestamp: t)
    }

    private func request(_ p: EvaluationProtocol, _ options: [String: String] = [:]) -> EvaluationRequest {
        EvaluationRequest(datasetPath: "planted", protocol: p, models: [], kList: [5, 10], folds: 3, seed: 1, options: options)
    }

    @Test("loo: a learned model beats random ranking on planted clusters", arguments: ["bmf", "ials", "bpr"])
    func leaveOneOut(model: String) throws {
        let data = try planted()
        let r = try Evaluator.run(model: model, on: data, request: request(.loo, ["epochs": "10", "factors": "8", "iters": "5"]))
        let hr = try #require(r.metrics["hr@10"])
        // Random ranking of ~20 unseen items gives about 10/20 at best for in-cluster targets; chance over 40 items is 0.25.
        #expect(hr > 0.4, "hr@10 = \(hr)")
        #expect(r.metrics["coverage@10"] != nil)
        #expect(r.metrics.keys.contains("mrr@5"))
    }

    @Test("kfold: explicit models beat the global mean")
    func kFold() throws {
        let data = try planted()
        let mean = data.value.reduce(0, +) / Float(data.count)
        let baseline = (data.value.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(data.count)).squareRoot()
        for model in ["biasedmf", "als", "svdpp"] {
            let r = try Evaluator.run(model: model, on: data, request: request(.kfold, ["epochs": "60", "factors": "4", "iters": "8", "lr": "0.03", "reg": "0.02", "init": "0.1"]))
            let rmse = try #require(r.metrics["rmse"])
            #expect(rmse < Double(baseline) * 0.8, "\(model) rmse \(rmse) vs baseline \(baseline)")
        }
    }

    @Test("prequential reports windows and overall figures")
    func prequential() throws {
        let data = try planted()
        let r = try Evaluator.run(model: "biasedmf", on: data, request: request(.prequential, ["window": "500", "lr": "0.05"]))
        #expect(r.series["rmse"]?.count == 3)
        #expect(r.metrics["rmse"] != nil)
        #expect(r.metrics["hr@10"] != nil)
        #expect(throws: EvaluationError.self) { try Evaluator.run(model: "ials", on: data, request: request(.prequential)) }
    }

    @Test("unknown models and options are refused")
    func refusals() throws {
        #expect(throws: EvaluationError.self) { try ModelOptions(["nope": "1"]) }
        #expect(throws: EvaluationError.self) { try ModelOptions(parsing: "factors") }
        let data = try planted()
        #expect(throws: EvaluationError.self) { try Evaluator.run(model: "wat", on: data, request: request(.loo)) }
        #expect(throws: EvaluationError.self) { try Evaluator.run(model: "bmf", on: data, request: request(.kfold)) }
        // Blend parts must be batch models other than the blend itself.
        for mix in ["biasedmf+blend", "biasedmf+bigru", "biasedmf+wat"] {
            #expect(throws: EvaluationError.self) { try Evaluator.run(model: "blend", on: data, request: request(.kfold, ["mix": mix])) }
        }
    }

    @Test("kfold blend: the default mix of four rating models beats the global mean, and mix picks the parts")
    func ratingBlend() throws {
        let data = try planted()
        let options = ["epochs": "30", "factors": "4", "iters": "5", "lr": "0.03", "reg": "0.02", "init": "0.1"]
        let blend = try Evaluator.run(model: "blend", on: data, request: request(.kfold, options))
        let pair = try Evaluator.run(model: "blend", on: data, request: request(.kfold, options.merging(["mix": "biasedmf+itemknn"]) { $1 }))
        let mean = data.value.reduce(0, +) / Float(data.count)
        let baseline = Double((data.value.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(data.count)).squareRoot())
        let rmse = try #require(blend.metrics["rmse"]), pairRMSE = try #require(pair.metrics["rmse"])
        #expect(rmse < baseline * 0.8, "blend rmse \(rmse) vs baseline \(baseline)")
        #expect(pairRMSE < baseline * 0.8)
        #expect(rmse != pairRMSE)
    }
}
