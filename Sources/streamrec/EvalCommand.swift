import ArgumentParser
import Evaluation
import Foundation

/// `streamrec eval`: offline evaluation protocols over a data set.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate models on a data set: k-fold rating prediction, leave-last-out ranking, prequential.",
        discussion: """
        Protocols: kfold (random k folds: RMSE, MAE), loo / lto (leave the last one / two events of \
        each user out by time; full ranking over the items the user has not interacted with, or 99 \
        sampled negatives with --set sampled=99: HR, NDCG, Precision, Recall, MRR at each K, \
        coverage), prequential (time order, each event scored before it is learned: RMSE, MAE, \
        HR@10, NDCG@10 over time windows), coldstart (a seeded share of the items, --set newitems=10 percent, \
        held out of training; each user's first of them ranked among the new items: bmf and pop, with or without \
        --item-attributes; online models: \(ModelCatalog.onlineNames.sorted().joined(separator: ", ")), \
        where blend mixes online learners, --set mix=biasedmf+svdpp+itemknn). The table goes to stdout (or one JSON object per model \
        with --json); --out-dir also writes results.json, results.csv and a plot per series (SVG). \
        The seed is printed so a run repeats. Models: \(ModelCatalog.names.joined(separator: ", ")).
        """
    )

    @Option(name: .shortAndLong, help: "Interaction file (u.data, ratings.dat, CSV, JSON lines, or one-line-per-user sequences).")
    var input: String
    @Option(help: "File format: \(DatasetFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: String = DatasetFormat.auto.rawValue
    @Option(name: .customLong("protocol"), help: "kfold, loo, lto, prequential or coldstart.")
    var evaluationProtocol: String = "loo"
    @Option(name: .customLong("model"), help: ArgumentHelp(
        "Model to evaluate (repeatable, or comma-separated; default per protocol: \(EvaluationProtocol.allCases.map { "\($0.rawValue) \($0.defaultModel)" }.joined(separator: ", "))).",
        valueName: "model"))
    var models: [String] = []
    @Option(help: "Cut-offs of the ranking metrics, comma-separated.")
    var k: String = "5,10,20"
    @Option(help: "Folds of the kfold protocol.")
    var folds: Int = 5
    @Option(help: "Random seed of splits, sampling and initialisation.")
    var seed: UInt64 = 42
    @Option(name: .customLong("set"), help: "Hyper-parameter or protocol override KEY=VALUE (repeatable): factors, lr, reg, breg, init, epochs, decay, neg, negw, adaptive, biases, alpha, iters, k, shrink, weights, seed, window, sampled, validation, layers, …")
    var overrides: [String] = []
    @Option(help: "Directory for results.json, results.csv and SVG plots.")
    var outDir: String?
    @Option(help: "S3-Rec attribute file (*_item2attributes.json): bmf/bpr/biasedmf give items with fewer than acold (default 1) training events vectors projected from their attributes; bigru/gru/hybrid add a learned map of an autoencoder's code of each item's attributes to its input embedding (aecode units, default 32; aeepochs passes, default 20; --set attrenc=embedding: the mean of the item's attribute embeddings instead; attrenc=hashed: that mean over buckets rows (default 4096) the attribute names are hashed to, as the daemon does); the coldstart protocol uses it too.")
    var itemAttributes: String?
    @Flag(help: "Print one JSON object per model evaluated on stdout.")
    var json = false

    /// The models named, or the protocol's default when none is.
    var modelNames: [String] {
        let named = models.flatMap { $0.split(separator: ",").map(String.init) }
        return named.isEmpty ? [(EvaluationProtocol(rawValue: evaluationProtocol) ?? .loo).defaultModel] : named
    }

    func validate() throws {
        guard DatasetFormat(rawValue: format) != nil else {
            throw ValidationError("unknown --format '\(format)'; expected one of \(DatasetFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard EvaluationProtocol(rawValue: evaluationProtocol) != nil else {
            throw ValidationError("unknown --protocol '\(evaluationProtocol)'; expected one of \(EvaluationProtocol.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        for m in modelNames where !ModelCatalog.names.contains(m) {
            throw ValidationError("unknown --model '\(m)'; known: \(ModelCatalog.names.joined(separator: ", "))")
        }
        guard !kList.isEmpty, kList.allSatisfy({ $0 > 0 }) else { throw ValidationError("--k expects positive integers, e.g. 5,10,20") }
        guard folds >= 2 else { throw ValidationError("--folds must be at least 2") }
        guard FileManager.default.fileExists(atPath: input) else { throw ValidationError("no such file: \(input)") }
        if let itemAttributes, !FileManager.default.fileExists(atPath: itemAttributes) {
            throw ValidationError("no such file: \(itemAttributes) (--item-attributes)")
        }
    }

    var kList: [Int] { k.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

    func run() throws {
        var request = EvaluationRequest(datasetPath: input, format: DatasetFormat(rawValue: format) ?? .auto,
                                        protocol: EvaluationProtocol(rawValue: evaluationProtocol) ?? .loo,
                                        models: modelNames, kList: kList, folds: folds, seed: seed,
                                        options: try parseOptionPairs(overrides))
        request.itemAttributesPath = itemAttributes
        printError("eval \(evaluationProtocol) on \(input): models \(modelNames.joined(separator: ", ")), seed \(seed)")
        var bar: ProgressBar?
        var stage = ""
        let results = try Evaluator.run(request) { p in
            if p.stage != stage {
                bar?.finish()
                bar = p.total > 0 ? ProgressBar(p.stage, total: p.total) : nil
                stage = p.stage
            }
            bar?.update(p.completed, suffix: p.message)
        }
        bar?.finish()
        if json {
            for r in results { print(r.json) }
        } else {
            print(ResultRenderer.table(results))
        }
        if let outDir {
            try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
            try ResultRenderer.jsonLines(results).write(toFile: outDir + "/results.json", atomically: true, encoding: .utf8)
            try ResultRenderer.csv(results).write(toFile: outDir + "/results.csv", atomically: true, encoding: .utf8)
            for name in Set(results.flatMap { $0.series.keys }).sorted() {
                let svg = ResultRenderer.svg(results, series: name, xLabel: evaluationProtocol == "prequential" ? "window" : "epoch")
                try svg.write(toFile: outDir + "/\(name.replacingOccurrences(of: "@", with: "_at_")).svg", atomically: true, encoding: .utf8)
            }
            printError("wrote \(outDir)/results.json, results.csv and \(Set(results.flatMap { $0.series.keys }).count) plot(s)")
        }
    }
}
