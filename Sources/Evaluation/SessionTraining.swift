import Foundation
import Models

/// What `streamrec train-session` should do.
public struct SessionTrainingRequest: Sendable {
    /// Interaction file.
    public var inputPath: String
    /// Its layout.
    public var format: DatasetFormat
    /// Where the snapshot goes.
    public var outputPath: String
    /// MF model trained on the same data for the hybrid (a name of ``Trainer/models``), or nil for the session model alone.
    public var mfModel: String?
    /// Hyper-parameter overrides (see ``ModelOptions`` and ``SessionModelFitter``).
    public var options: [String: String]
    /// Seed of initialisation, shuffling, dropout and sampling.
    public var seed: UInt64
    /// S3-Rec attribute file (`*_item2attributes.json`) whose attributes the encoder's item input
    /// adds (see ``SessionAttributeInput``); nil: no attribute input.
    public var itemAttributesPath: String?

    /// Creates a request; by default the hybrid's MF side is `ials`.
    public init(inputPath: String, format: DatasetFormat = .auto, outputPath: String, mfModel: String? = "ials",
                options: [String: String] = [:], seed: UInt64 = 42) {
        self.inputPath = inputPath
        self.format = format
        self.outputPath = outputPath
        self.mfModel = mfModel
        self.options = options
        self.seed = seed
    }
}

/// What a session training run produced.
public struct SessionTrainingSummary: Sendable {
    /// Users, items and events in the file.
    public var users: Int, items: Int, events: Int
    /// Validation metrics (last event of each user) of the kept session weights.
    public var validation: SessionRankingMetrics?
    /// The fusion written (session share 1 when no MF model was trained).
    public var fusion: HybridFusion
    /// Validation NDCG@10 of the fused ranking (0 without MF).
    public var fusedValidationNDCG10: Double
    /// Trainable session weights.
    public var parameterCount: Int
    /// Wall time in seconds.
    public var seconds: Double
    /// The snapshot path written.
    public var outputPath: String
}

/// Library entry point of `streamrec train-session`: trains the Bi-GRU encoder (BPTT, Adam,
/// dropout, full or sampled softmax or BPR, early stopping on each user's last event), optionally
/// an MF model on the same data and the fusion weights, and writes one snapshot file holding:
/// the MF warm start (`OnlineMFSnapshot` sections, `ids.users`, `ids.items`) when an MF model was
/// trained, `session.bigru` (``BiGRUSessionModel/serialize()``, versioned), `session.items`
/// (the external id of each session item index) and `session.meta` (format version, fusion).
public enum SessionTraining {
    /// Section names of the session parts of a snapshot (``SessionSnapshotLayout``).
    public static let sections = SessionSnapshotLayout.sections
    /// Version of the `session.meta` section layout.
    public static let metaVersion = SessionSnapshotLayout.metaVersion

    /// Trains and writes the snapshot; reports session epochs (and MF stages) through `progress`.
    public static func run(_ request: SessionTrainingRequest, progress: (Progress) -> Void = { _ in }) throws
        -> SessionTrainingSummary {
        let start = DispatchTime.now().uptimeNanoseconds
        let options = try ModelOptions(request.options)
        if let mf = request.mfModel, !Trainer.models.contains(mf) {
            throw EvaluationError(.unknownModel, "cannot train \(mf) for the hybrid; choose one of \(Trainer.models.joined(separator: ", "))")
        }
        progress(Progress(stage: "loading \(request.inputPath)", completed: 0, total: 0))
        let data = try DatasetLoader.load(path: request.inputPath, format: request.format)
        let histories = SessionModelFitter.histories(data)
        let features = try request.itemAttributesPath.flatMap { path in
            try SessionAttributeInput.features(try ItemAttributes.load(path: path), itemIds: data.itemIds, options: options,
                                               seed: request.seed, progress: progress)
        }
        if let path = request.itemAttributesPath, features == nil {
            throw EvaluationError(.emptyData, "\(path) describes none of the \(data.items) items of \(request.inputPath)")
        }
        let epochs = try SessionModelFitter.configuration(itemCount: data.items, forwardOnly: false, options: options,
                                                          seed: request.seed).epochs
        let report: (TrainingProgress) -> Void = { p in
            progress(Progress(stage: "training bigru", completed: p.epoch, total: epochs,
                              message: "loss \(EvaluationResult.number(p.loss, digits: 4))"))
        }
        var writer = SnapshotWriter()
        let session: BiGRUSessionModel
        let validation: SessionRankingMetrics?
        var fusion = HybridFusion(mfWeight: 0, sessionWeight: 1)
        var fused = 0.0
        if let mfName = request.mfModel {
            var o = options.values
            o["mf"] = mfName
            let parts = try SessionModelFitter.fitHybrid(data: data, histories: histories, options: try ModelOptions(o),
                                                         seed: request.seed, features: features, progress: report)
            session = parts.session
            validation = parts.sessionValidation
            fusion = parts.fusion
            fused = parts.validationNDCG10
            try WarmStartSnapshot(model: parts.mf, userIds: data.userIds, itemIds: data.itemIds).write(into: &writer)
        } else {
            let trained = try SessionModelFitter.trainSession(data: data, histories: histories, forwardOnly: false,
                                                              options: options, seed: request.seed, features: features,
                                                              progress: report)
            session = trained.model
            validation = trained.validation
        }
        writer.addSection(sections.model, bytes: session.serialize())
        writer.addSection(sections.items) { $0.append(data.itemIds) }
        writer.addSection(sections.meta) { w in
            w.append(metaVersion)
            w.append(fusion.mfWeight)
            w.append(fusion.sessionWeight)
        }
        progress(Progress(stage: "writing \(request.outputPath)", completed: 0, total: 0))
        try writer.write(toPath: request.outputPath)
        return SessionTrainingSummary(
            users: data.users, items: data.items, events: data.count, validation: validation, fusion: fusion,
            fusedValidationNDCG10: fused, parameterCount: session.parameterCount,
            seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, outputPath: request.outputPath)
    }
}
