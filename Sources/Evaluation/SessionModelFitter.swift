import Foundation
import Linalg
import Models

/// Fits the session models of the catalog (`bigru`, `gru` = forward-only, `hybrid`) on an
/// ``Interactions`` table, and the pieces `streamrec train-session` writes into a snapshot.
///
/// Defaults (identical on every data set; chosen on validation): the ``SessionModelConfiguration``
/// defaults (H = 64, W = 20, full softmax, dropout 0.3, Adam 1e-3, patience 4) and, for the hybrid,
/// `ials` as the MF side with the fusion weight fitted on the last training event of each user.
/// Session keys of ``ModelOptions``: `hidden`, `embedding`, `window`, `dropout`, `slr`, `sepochs`,
/// `patience`, `batch`, `loss` (`full`, `sampled:N`, `bpr:N`), `mf` (hybrid's MF side: a model of ``Trainer/models``), `fusion`
/// (a fixed session share in [0, 1] instead of the fitted one), `fitusers` (validation users used
/// to fit the fusion), and with item attributes `attrenc`, `aecode`, `aeepochs` (see ``SessionAttributeInput``).
enum SessionModelFitter {
    /// The catalog names this fitter handles.
    static let names: Set<String> = ["bigru", "gru", "hybrid"]

    /// What a hybrid fit produced.
    struct HybridParts {
        /// The session encoder (trained without each user's last event, early-stopped on it).
        var session: BiGRUSessionModel
        /// The MF side as the engine's learner state, fitted on every row given.
        var mf: OnlineMFSnapshot
        /// The fusion weights fitted on validation.
        var fusion: HybridFusion
        /// Validation NDCG@10 of the fused ranking at the chosen weight.
        var validationNDCG10: Double
        /// Session validation metrics of the kept epoch.
        var sessionValidation: SessionRankingMetrics?
    }

    /// Fits `name` (`bigru`, `gru` or `hybrid`) on `data` (training rows, full index space); with
    /// `features`, the encoder's item input adds each item's attribute term.
    static func fit(_ name: String, data: Interactions, options: ModelOptions, seed: UInt64,
                    features: SessionItemFeatures? = nil, progress: (TrainingProgress) -> Void) throws -> any EvaluableModel {
        let histories = self.histories(data)
        switch name {
        case "bigru", "gru":
            let trained = try trainSession(data: data, histories: histories, forwardOnly: name == "gru",
                                           options: options, seed: seed, features: features, progress: progress)
            return SessionRankingModel(model: trained.model, histories: histories)
        case "hybrid":
            let parts = try fitHybrid(data: data, histories: histories, options: options, seed: seed, features: features,
                                      progress: progress)
            return try EngineHybridModel(mf: parts.mf, session: parts.session, fusion: parts.fusion, data: data,
                                         histories: histories)
        default:
            throw EvaluationError(.unknownModel, "\(name) is not a session model")
        }
    }

    /// Each user's rows as session steps, oldest first. Timestamps that look like epoch seconds or
    /// milliseconds become step times (for the gap feature); sequence positions do not.
    static func histories(_ data: Interactions) -> [[SessionStep]] {
        data.rowsByUser().map { rows in
            rows.map { k in
                SessionStep(item: data.item[k], type: 0, timestampMs: stepTime(data.timestamp[k]))
            }
        }
    }

    static func stepTime(_ t: Int64) -> Int64? {
        if t >= 100_000_000_000 { return t }            // epoch milliseconds
        if t >= 100_000_000 { return t * 1000 }         // epoch seconds
        return nil                                      // a position or no time at all
    }

    /// The session model configuration for `itemCount` items with `options` applied.
    static func configuration(itemCount: Int, forwardOnly: Bool, options o: ModelOptions, seed: UInt64) throws
        -> SessionModelConfiguration {
        var c = SessionModelConfiguration(itemCount: itemCount)
        c.forwardOnly = forwardOnly
        c.hiddenSize = try o.int("hidden", c.hiddenSize)
        c.embeddingDimension = try o.int("embedding", c.embeddingDimension)
        c.windowLength = try o.int("window", c.windowLength)
        c.backwardSteps = try o.int("backward", c.backwardSteps)
        c.dropout = try o.float("dropout", c.dropout)
        c.learningRate = try o.float("slr", c.learningRate)
        c.epochs = try o.int("sepochs", c.epochs)
        c.patience = try o.int("patience", c.patience)
        c.batchSize = try o.int("batch", c.batchSize)
        c.seed = UInt64(try o.int("seed", Int(seed)))
        let loss = o.string("loss", "full")
        switch loss {
        case "full": c.loss = .fullSoftmax
        case let s where s.hasPrefix("sampled:"):
            guard let n = Int(s.dropFirst(8)) else { throw EvaluationError(.invalidOption, "loss=\(s): expected sampled:N") }
            c.loss = .sampledSoftmax(negatives: n)
        case let s where s.hasPrefix("bpr:"):
            guard let n = Int(s.dropFirst(4)) else { throw EvaluationError(.invalidOption, "loss=\(s): expected bpr:N") }
            c.loss = .bpr(negatives: n)
        default:
            throw EvaluationError(.invalidOption, "loss=\(loss): expected full, sampled:N or bpr:N")
        }
        do { try c.validate() } catch let e as SessionModelError {
            throw EvaluationError(.invalidOption, e.message)
        }
        return c
    }

    /// Trains the encoder on every history without its last step, early-stopping on that step.
    ///
    /// The last model trained is kept for the next call with the same histories and configuration,
    /// so `--model bigru,hybrid` trains the encoder once (the hybrid's time then excludes it).
    static func trainSession(data: Interactions, histories: [[SessionStep]], forwardOnly: Bool, options: ModelOptions,
                             seed: UInt64, features: SessionItemFeatures? = nil, progress: (TrainingProgress) -> Void) throws
        -> (model: BiGRUSessionModel, validation: SessionRankingMetrics?) {
        var c = try configuration(itemCount: data.items, forwardOnly: forwardOnly, options: options, seed: seed)
        c.attributeCount = features?.featureCount ?? 0
        if let hit = SessionModelCache.shared.lookup(configuration: c, features: features, histories: histories) { return hit }
        let trained = try train(configuration: c, features: features, histories: histories, progress: progress)
        SessionModelCache.shared.store(configuration: c, features: features, histories: histories, result: trained)
        return trained
    }

    private static func train(configuration c: SessionModelConfiguration, features: SessionItemFeatures?,
                              histories: [[SessionStep]], progress: (TrainingProgress) -> Void) throws
        -> (model: BiGRUSessionModel, validation: SessionRankingMetrics?) {
        var training: [[SessionStep]] = [], validation: [[SessionStep]] = []
        for h in histories where h.count >= 2 {
            training.append(Array(h.dropLast()))
            validation.append(h)
        }
        var best: SessionRankingMetrics?
        let model: BiGRUSessionModel
        do {
            model = try SessionTrainer(configuration: c, itemFeatures: features).train(sequences: training, validation: validation) { p in
                if p.bestEpoch == p.epoch { best = p.validation }
                progress(TrainingProgress(epoch: p.epoch, epochs: c.epochs, loss: p.trainingLoss))
            }
        } catch let e as SessionModelError {
            throw EvaluationError(.emptyData, e.message)
        }
        return (model, best)
    }

    /// Session encoder, MF side and fusion weights for the hybrid.
    ///
    /// The MF side (a model `streamrec train` writes, as the engine's learner state) is fitted
    /// twice: once without each user's last event (to fit the fusion on that event, like the
    /// encoder's early stopping), then on every row for the final ranking.
    static func fitHybrid(data: Interactions, histories: [[SessionStep]], options: ModelOptions, seed: UInt64,
                          features: SessionItemFeatures? = nil, progress: (TrainingProgress) -> Void) throws -> HybridParts {
        let mfName = options.string("mf", "ials")
        guard Trainer.models.contains(mfName) else {
            throw EvaluationError(.invalidOption, "mf=\(mfName): the hybrid is ranked by the engine, whose MF side is one of "
                                  + Trainer.models.joined(separator: ", "))
        }
        let fixedShare = try options.fixedSessionShare()
        let trained = try trainSession(data: data, histories: histories, forwardOnly: false, options: options,
                                       seed: seed, features: features, progress: progress)
        let inner = Splits.leaveLastOut(data, count: 1)
        let fusion: HybridFusion
        var validationNDCG = 0.0
        if let alpha = fixedShare {
            fusion = HybridFusion(mfWeight: 1 - alpha, sessionWeight: alpha)
        } else {
            let mfInner = try OnlineMF(snapshot: Trainer.train(mfName, data: data.rows(inner.train), options: options,
                                                               seed: seed) { _, _ in }.model)
            (fusion, validationNDCG) = fitFusion(mf: mfInner, session: trained.model, histories: histories,
                                                 maxUsers: try options.int("fitusers", 4000), seed: seed)
        }
        let mfFull = try Trainer.train(mfName, data: data, options: options, seed: seed) { _, _ in }.model
        return HybridParts(session: trained.model, mf: mfFull, fusion: fusion, validationNDCG10: validationNDCG,
                           sessionValidation: trained.validation)
    }

    /// Fits the fusion on users' last events: MF scores from `mf` (fitted without them), session
    /// scores from the histories before them; the earlier items are excluded from the ranking.
    static func fitFusion(mf: any EvaluableModel, session: BiGRUSessionModel, histories: [[SessionStep]],
                          maxUsers: Int, seed: UInt64) -> (HybridFusion, Double) {
        var users = histories.indices.filter { histories[$0].count >= 2 }
        if users.count > maxUsers {
            var rng = SeededGenerator(seed: seed &+ 7)
            users.shuffle(using: &rng)
            users = Array(users.prefix(maxUsers)).sorted()
        }
        let n = session.itemCount
        let vectors = session.sessionVectors(histories: users.map { Array(histories[$0].dropLast()) })
        var mfScores = [Float](repeating: 0, count: users.count * n)
        var sessionScores = [Float](repeating: 0, count: users.count * n)
        mfScores.withUnsafeMutableBufferPointer { m in
            for (r, u) in users.enumerated() {
                mf.scoreAll(user: Int32(u), into: UnsafeMutableBufferPointer(rebasing: m[(r * n)..<((r + 1) * n)]))
            }
        }
        vectors.withUnsafeBufferPointer { v in
            sessionScores.withUnsafeMutableBufferPointer { s in
                session.scoreItems(sessionVectors: v.baseAddress!, count: users.count, into: s.baseAddress!)
            }
        }
        let targets = users.map { Int(histories[$0].last!.item) }
        let excluded = users.map { histories[$0].dropLast().map { Int($0.item) } }
        return mfScores.withUnsafeBufferPointer { m in
            sessionScores.withUnsafeBufferPointer { s in
                let r = HybridFusion.fit(mfScores: m, sessionScores: s, itemCount: n, targets: targets, excluded: excluded)
                return (r.fusion, r.ndcg10)
            }
        }
    }
}
