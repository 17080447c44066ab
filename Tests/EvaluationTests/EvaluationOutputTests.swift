import Foundation
import Models
import Testing
@testable import Evaluation

@Suite("Renderers and trainer")
struct EvaluationOutputTests {
    private let results = [
        EvaluationResult(dataset: "u.data", protocol: "loo", model: "bmf", metrics: ["hr@10": 0.17, "ndcg@10": 0.08], seconds: 1.5,
                         series: ["hr@10": [0.1, 0.2, 0.15]]),
        EvaluationResult(dataset: "u.data", protocol: "kfold", model: "biasedmf", metrics: ["rmse": 0.9], seconds: 2),
    ]

    @Test("CSV has one header and one line per result, empty cells for absent metrics")
    func csv() {
        let lines = ResultRenderer.csv(results).split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0] == "dataset,protocol,model,seed,rmse,hr@10,ndcg@10,seconds")
        #expect(lines[1] == "u.data,loo,bmf,42,,0.17,0.08,1.5")
        #expect(lines[2] == "u.data,kfold,biasedmf,42,0.9,,,2")
    }

    @Test("table aligns columns and shows dashes for absent metrics")
    func table() {
        let t = ResultRenderer.table(results)
        let lines = t.split(separator: "\n")
        #expect(lines.count == 4)
        #expect(Set(lines.map(\.count)).count == 1)
        #expect(t.contains("0.9000"))
        #expect(t.contains("-"))
    }

    @Test("SVG plot draws one polyline per result with the series")
    func svg() {
        let svg = ResultRenderer.svg(results, series: "hr@10")
        #expect(svg.hasPrefix("<svg"))
        #expect(svg.components(separatedBy: "<polyline").count == 2)
        #expect(svg.contains("bmf (u.data)"))
        #expect(ResultRenderer.jsonLines(results).split(separator: "\n").count == 2)
    }

    @Test("trainer writes a warm-start snapshot with id maps that restores an OnlineMF", arguments: ["bmf", "ials", "biasedmf"])
    func trainer(model: String) throws {
        let dir = FileManager.default.temporaryDirectory
        let input = dir.appendingPathComponent("train-\(UUID().uuidString).data").path
        let output = dir.appendingPathComponent("snap-\(UUID().uuidString).bin").path
        defer { try? FileManager.default.removeItem(atPath: input); try? FileManager.default.removeItem(atPath: output) }
        var text = ""
        for u in 0..<12 { for i in 0..<6 where (u + i) % 3 != 0 { text += "u\(u)\ti\(i)\t\((u * i) % 5 + 1)\t\(u * 10 + i)\n" } }
        try text.write(toFile: input, atomically: true, encoding: .utf8)
        var stages: [String] = []
        let summary = try Trainer.run(TrainingRequest(inputPath: input, format: .udata, model: model, outputPath: output,
                                                      options: ["epochs": "3", "iters": "2", "factors": "4"])) { stages.append($0.stage) }
        #expect(summary.users == 12)
        #expect(summary.items == 6)
        #expect(summary.losses.count >= 2)
        #expect(stages.contains { $0.hasPrefix("training") })
        let warm = try WarmStartSnapshot(path: output)
        #expect(warm.userIds.first == "u0")
        #expect(warm.itemIds.count == 6)
        let learner = try OnlineMF(snapshot: warm.model)
        #expect(learner.users == 12)
        #expect(learner.factors == 4)
        #expect(throws: EvaluationError.self) {
            _ = try Trainer.run(TrainingRequest(inputPath: input, model: "pop", outputPath: output))
        }
    }
}
