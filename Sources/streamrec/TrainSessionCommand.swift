import ArgumentParser
import Evaluation
import Foundation

/// `streamrec train-session`: trains the Bi-GRU session encoder (and the hybrid's MF side) into a snapshot.
struct TrainSessionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-session",
        abstract: "Train the Bi-GRU session encoder (and an MF model for the hybrid) into a snapshot for `serve`.",
        discussion: """
        Backpropagation through time with Adam and dropout; full softmax by default (--set loss=sampled:N \
        or loss=bpr:N for sampled objectives); early stopping on each user's last event. The snapshot holds \
        session.bigru (the weights, with a format version), session.items (item ids), session.meta (the \
        fusion weights fitted on validation) and, unless --mf none, the MF warm start. Point session.model \
        (and model.warm_start, for the MF side) at it. Session keys for --set: hidden, embedding, window, \
        dropout, slr, sepochs, patience, batch, loss, fusion, fitusers. With --item-attributes each item's \
        input embedding adds a learned map of an autoencoder's code of its multi-hot attributes (aecode \
        units, default 32; aeepochs passes, default 20; --set attrenc=embedding: the mean of its \
        attributes' learned embeddings instead); the attribute table and each item's attribute row are \
        stored in session.bigru (format version 2).
        """
    )

    @Option(name: .shortAndLong, help: "Interaction file.")
    var input: String
    @Option(help: "File format: \(DatasetFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: String = DatasetFormat.auto.rawValue
    @Option(help: "MF model for the hybrid (\(Trainer.models.joined(separator: ", "))) or none.")
    var mf: String = "ials"
    @Option(name: .shortAndLong, help: "Snapshot file to write.")
    var out: String
    @Option(help: "Random seed.")
    var seed: UInt64 = 42
    @Option(name: .customLong("set"), help: "Hyper-parameter override KEY=VALUE (repeatable).")
    var overrides: [String] = []
    @Option(help: "S3-Rec attribute file (*_item2attributes.json) whose attributes the encoder's item input adds.")
    var itemAttributes: String?

    func validate() throws {
        guard DatasetFormat(rawValue: format) != nil else {
            throw ValidationError("unknown --format '\(format)'; expected one of \(DatasetFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard mf == "none" || Trainer.models.contains(mf) else {
            throw ValidationError("unknown --mf '\(mf)'; choose none or one of \(Trainer.models.joined(separator: ", "))")
        }
        guard FileManager.default.fileExists(atPath: input) else { throw ValidationError("no such file: \(input)") }
        if let itemAttributes, !FileManager.default.fileExists(atPath: itemAttributes) {
            throw ValidationError("no such file: \(itemAttributes) (--item-attributes)")
        }
    }

    func run() throws {
        var request = SessionTrainingRequest(inputPath: input, format: DatasetFormat(rawValue: format) ?? .auto,
                                             outputPath: out, mfModel: mf == "none" ? nil : mf,
                                             options: try parseOptionPairs(overrides), seed: seed)
        request.itemAttributesPath = itemAttributes
        var bar: ProgressBar?
        var stage = ""
        let summary = try SessionTraining.run(request) { p in
            if p.stage != stage {
                bar?.finish()
                bar = p.total > 0 ? ProgressBar(p.stage, total: p.total) : nil
                stage = p.stage
                if p.total == 0 { printError(p.stage) }
            }
            bar?.update(p.completed, suffix: p.message)
        }
        bar?.finish()
        let v = summary.validation.map { String(format: "validation HR@10 %.4f NDCG@10 %.4f", $0.hitRate10, $0.ndcg10) } ?? "no validation"
        printError(String(format: "trained bigru (%d weights) on %d events (%d users, %d items) in %.1f s; %@; fusion mf %.2f session %.2f (fused validation NDCG@10 %.4f); seed %llu; wrote %@",
                          summary.parameterCount, summary.events, summary.users, summary.items, summary.seconds, v,
                          summary.fusion.mfWeight, summary.fusion.sessionWeight, summary.fusedValidationNDCG10, seed,
                          summary.outputPath))
    }
}
