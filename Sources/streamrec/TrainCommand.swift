import ArgumentParser
import Evaluation
import Foundation

/// `streamrec train`: batch training into a warm-start snapshot for `serve`.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model on a whole file and write the snapshot `serve` loads as its warm start.",
        discussion: """
        Reads the same formats as `produce` and `eval`. The snapshot holds the factors, biases and \
        id maps; point model.warm_start (or STREAMREC_MODEL_WARM_START) at it. A progress bar goes \
        to stderr. Models: \(Trainer.models.joined(separator: ", ")).
        """
    )

    @Option(name: .shortAndLong, help: "Interaction file.")
    var input: String
    @Option(help: "File format: \(DatasetFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: String = DatasetFormat.auto.rawValue
    @Option(help: "Model to train.")
    var model: String = "bmf"
    @Option(name: .shortAndLong, help: "Snapshot file to write.")
    var out: String
    @Option(help: "Random seed.")
    var seed: UInt64 = 42
    @Option(name: .customLong("set"), help: "Hyper-parameter override KEY=VALUE (repeatable; see `streamrec eval --help`).")
    var overrides: [String] = []

    func validate() throws {
        guard DatasetFormat(rawValue: format) != nil else {
            throw ValidationError("unknown --format '\(format)'; expected one of \(DatasetFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard Trainer.models.contains(model) else {
            throw ValidationError("cannot train '\(model)' for the daemon; choose one of \(Trainer.models.joined(separator: ", "))")
        }
        guard FileManager.default.fileExists(atPath: input) else { throw ValidationError("no such file: \(input)") }
    }

    func run() throws {
        let request = TrainingRequest(inputPath: input, format: DatasetFormat(rawValue: format) ?? .auto, model: model,
                                      outputPath: out, options: try parseOptionPairs(overrides), seed: seed)
        var bar: ProgressBar?
        let summary = try Trainer.run(request) { p in
            if p.total > 0 {
                if bar == nil { bar = ProgressBar(p.stage, total: p.total) }
                bar?.update(p.completed, suffix: p.message)
            } else {
                printError(p.stage)
            }
        }
        bar?.finish()
        printError(String(format: "trained %@ on %d events (%d users, %d items) in %.1f s; final loss %@; seed %llu; wrote %@",
                          model, summary.events, summary.users, summary.items, summary.seconds,
                          summary.losses.last.map { String(format: "%.4f", $0) } ?? "n/a", seed, summary.outputPath))
    }
}
