import Linalg
import Models

/// The models the harness knows, by name, with their default hyper-parameters and how to fit them.
///
/// Defaults were chosen on validation parts only (the last-but-one event per user for the ranking
/// protocols, a 20% holdout of fold 1's training part for k-fold, the first half of the stream for
/// prequential); see the project report for the figures.
public enum ModelCatalog {
    /// Every model name ``Evaluator`` accepts.
    public static let names = ["biasedmf", "svdpp", "blend", "bmf", "bpr", "als", "ials", "svd", "nmf", "itemknn", "userknn", "mlp", "neumf", "pop", "bigru", "gru", "hybrid", "engine"]

    /// Models that learn one event at a time (usable in the prequential protocol).
    public static let onlineNames: Set<String> = ["biasedmf", "svdpp", "blend", "itemknn", "bmf", "pop"]

    /// Whether the model estimates ratings (k-fold protocol) rather than only ranking items.
    public static func predictsRatings(_ name: String) -> Bool { ["biasedmf", "svdpp", "blend", "als", "svd", "nmf", "itemknn", "userknn"].contains(name) }

    /// The per-event learner configuration of an online model.
    public static func onlineConfiguration(_ name: String, options o: ModelOptions, seed: UInt64,
                                           streaming: Bool = false) throws -> OnlineMFConfiguration {
        switch name {
        case "biasedmf":
            // Batch defaults: validation RMSE 0.9118 (ml-100k, 20% of fold 1's training part).
            // Streaming defaults: validation RMSE on the first half of the ml-100k stream.
            var c = OnlineMFConfiguration.explicitDefaults
            c.factors = try o.int("factors", streaming ? 256 : 200)
            c.learningRate = try o.float("lr", streaming ? 0.03 : 0.015)
            c.regularization = try o.float("reg", streaming ? 0.05 : 0.1)
            c.biasRegularization = try o.float("breg", streaming ? 0.05 : 0.01)
            c.initStd = try o.float("init", streaming ? 0.05 : 0.02)
            c.frequencyAdaptive = try o.bool("adaptive", false)
            c.useBiases = try o.bool("biases", true)
            c.rateBoost = try o.float("boost", streaming ? 5 : 0)
            c.biasShrinkage = try o.float("bshrink", streaming ? 5 : 0)
            c.factorRateScale = try o.float("flr", 1)
            c.seed = UInt64(try o.int("seed", Int(seed)))
            return c
        case "bmf", "bpr":
            var c = OnlineMFConfiguration.implicitDefaults
            c.factors = try o.int("factors", 64)
            c.learningRate = try o.float("lr", 0.05)
            c.regularization = try o.float("reg", 0.01)
            c.biasRegularization = try o.float("breg", 0.001)
            c.initStd = try o.float("init", 0.1)
            c.negativeSamples = try o.int("neg", 4)
            c.negativeWeight = try o.float("negw", 1)
            c.frequencyAdaptive = try o.bool("adaptive", true)
            c.useBiases = try o.bool("biases", true)
            c.rateBoost = try o.float("boost", 0)
            c.seed = UInt64(try o.int("seed", Int(seed)))
            return c
        default:
            throw EvaluationError(.unknownModel, "\(name) has no per-event configuration")
        }
    }

    static func svdppConfiguration(options o: ModelOptions, seed: UInt64, streaming: Bool = false) throws -> SVDPlusPlusConfiguration {
        // Batch: validation RMSE 0.9136; streaming: 0.9429 on the first half of the ml-100k stream.
        var c = SVDPlusPlusConfiguration()
        c.factors = try o.int("factors", streaming ? 256 : 150)
        c.learningRate = try o.float("lr", streaming ? 0.03 : 0.007)
        c.regularization = try o.float("reg", 0.05)
        c.implicitRegularization = try o.float("yreg", c.regularization)
        c.biasRegularization = try o.float("breg", 0.01)
        c.initStd = try o.float("init", 0.05)
        c.rateBoost = try o.float("boost", streaming ? 5 : 0)
        c.seed = UInt64(try o.int("seed", Int(seed)))
        return c
    }

    /// A fresh per-event learner for the prequential protocol (nil for popularity).
    static func streamLearner(_ name: String, options: ModelOptions, seed: UInt64) throws -> (any StreamLearner)? {
        switch name {
        case "pop": return nil
        case "svdpp": return SVDPlusPlus(configuration: try svdppConfiguration(options: options, seed: seed, streaming: true))
        case "itemknn":
            return OnlineItemKNN(neighbours: try options.int("k", 40), shrinkage: try options.float("shrink", 100),
                                 itemBiasShrinkage: try options.float("bshrink", 5), userBiasShrinkage: try options.float("ubshrink", 5))
        case "blend":
            let allowed = onlineNames.subtracting(["blend", "pop"]).sorted()
            let parts = try blendParts(options, default: "biasedmf+biasedmf+svdpp+itemknn", allowed: allowed)
            // Each part its own seed, so repeated parts differ.
            return StreamBlend(try parts.enumerated().compactMap { k, part in
                try streamLearner(part, options: options, seed: seed &+ UInt64(k))
            }, weightRate: try options.float("wlr", 0.001))
        default: return OnlineMF(configuration: try onlineConfiguration(name, options: options, seed: seed, streaming: true))
        }
    }

    /// The parts of a blend: `mix=a+b+…` (else `fallback`), each one of `allowed`.
    static func blendParts(_ options: ModelOptions, default fallback: String, allowed: [String]) throws -> [String] {
        let parts = options.string("mix", fallback).split(separator: "+").map(String.init)
        for part in parts where !allowed.contains(part) {
            throw EvaluationError(.invalidOption, "mix=\(part): a blend part must be one of \(allowed.joined(separator: ", "))")
        }
        return parts
    }

    static func schedule(_ name: String, options o: ModelOptions, seed: UInt64) throws -> SGDSchedule {
        let epochs: Int, decay: Float
        switch name {
        case "biasedmf": (epochs, decay) = (60, 0.97)
        case "svdpp": (epochs, decay) = (40, 0.97)
        case "bmf": (epochs, decay) = (40, 0.95)
        case "bpr": (epochs, decay) = (30, 0.95)
        default: (epochs, decay) = (20, 0.95)
        }
        return SGDSchedule(epochs: try o.int("epochs", epochs), decay: try o.float("decay", decay), shuffleSeed: seed &+ 1)
    }

    static func alsConfiguration(_ name: String, options o: ModelOptions, seed: UInt64) throws -> ALSConfiguration {
        var c = ALSConfiguration()
        c.feedback = name == "als" ? .explicit : .implicit
        c.factors = try o.int("factors", name == "als" ? 128 : 64)
        c.regularization = try o.float("reg", name == "als" ? 0.14 : 10)
        c.alpha = try o.float("alpha", 1)
        c.logConfidence = try o.bool("logconf", false)
        c.epsilon = try o.float("eps", 1)
        c.iterations = try o.int("iters", name == "als" ? 10 : 15)
        c.initStd = try o.float("init", 0.01)
        c.seed = UInt64(try o.int("seed", Int(seed)))
        return c
    }

    /// Default recency scale τ (in user events) of the training weights: implicit models weigh a
    /// user's latest events more (validation on ml-100k: iALS HR@10 0.15 → 0.19). 0 = off.
    static func defaultRecency(_ name: String) -> Float {
        switch name {
        case "ials", "bmf": return 3
        default: return 0
        }
    }

    /// Default amplitude of the recency weight (`1 + rboost · exp(−age/τ)`).
    static func defaultRecencyBoost(_ name: String) -> Float {
        switch name {
        case "ials", "bmf": return 10
        default: return 1
        }
    }

    /// Whether the model trains on binary values by default (implicit models) or on the values.
    static func binaryTraining(_ name: String, options o: ModelOptions) -> Bool {
        switch o.string("weights", predictsRatings(name) ? "value" : "binary") {
        case "value": return false
        default: return true
        }
    }

    /// Fits `name` on `data` (already restricted to training rows, full index space).
    /// `features` (session models only) is the encoder's item attribute input.
    static func fit(_ name: String, data: Interactions, options: ModelOptions, seed: UInt64, forRatings: Bool = false,
                    features: SessionItemFeatures? = nil, progress: (TrainingProgress) -> Void) throws -> any EvaluableModel {
        if SessionModelFitter.names.contains(name) {
            return try SessionModelFitter.fit(name, data: data, options: options, seed: seed, features: features,
                                              progress: progress)
        }
        if name == "engine" {
            // A saved engine state, scored as it stands (nothing is fitted on `data`).
            return try EngineStateModel(path: options.string("state", ""), data: data, share: options.fixedSessionShare())
        }
        let training = try data.trainingData(binary: binaryTraining(name, options: options),
                                            recency: Double(try options.float("recency", ModelCatalog.defaultRecency(name))),
                                            boost: try options.float("rboost", ModelCatalog.defaultRecencyBoost(name)))
        switch name {
        case "biasedmf", "bmf":
            return OnlineMF.train(training, configuration: try onlineConfiguration(name, options: options, seed: seed),
                                  schedule: try schedule(name, options: options, seed: seed), progress: progress)
        case "svdpp":
            return SVDPlusPlus.train(training, configuration: try svdppConfiguration(options: options, seed: seed),
                                     schedule: try schedule(name, options: options, seed: seed), progress: progress)
        case "bpr":
            return OnlineMF.trainBPR(training, configuration: try onlineConfiguration(name, options: options, seed: seed),
                                     schedule: try schedule(name, options: options, seed: seed), progress: progress)
        case "als", "ials":
            return try ALS.train(training, configuration: try alsConfiguration(name, options: options, seed: seed), progress: progress)
        case "pop":
            return Popularity(training)
        case "itemknn", "userknn":
            return NeighborhoodModel(training, kind: name == "itemknn" ? .item : .user, neighbours: try options.int("k", forRatings ? 40 : 100),
                                     shrinkage: try options.float("shrink", forRatings ? 25 : 10), binary: !forRatings)
        case "svd":
            return TruncatedSVD(training, rank: try options.int("factors", forRatings ? 16 : 32), centered: forRatings,
                                powerIterations: try options.int("iters", 4), seed: UInt64(try options.int("seed", Int(seed))))
        case "nmf":
            return NMF(training, mode: forRatings ? .observed : .full, factors: try options.int("factors", forRatings ? 15 : 32),
                       iterations: try options.int("iters", 50), regularization: try options.float("reg", forRatings ? 0.06 : 0.01),
                       seed: UInt64(try options.int("seed", Int(seed))), progress: progress)
        case "mlp", "neumf":
            var c = NeuralCFConfiguration()
            c.variant = name == "mlp" ? .mlp : .neumf
            c.gmfFactors = try options.int("factors", 16)
            if let text = options.values["layers"] {
                let widths = text.split(separator: "-").compactMap { Int($0) }
                guard widths.count >= 2 else { throw EvaluationError(.invalidOption, "layers=\(text): expected e.g. 64-32-16-8") }
                c.layers = widths
            }
            c.learningRate = try options.float("lr", 0.001)
            c.regularization = try options.float("reg", 0)
            c.negatives = try options.int("neg", 4)
            c.epochs = try options.int("epochs", 20)
            c.batchSize = try options.int("batch", 256)
            c.seed = UInt64(try options.int("seed", Int(seed)))
            return try NeuralCF(training, configuration: c, progress: progress)
        case "blend":
            // Rating blend, equal weights: by default biased MF, SVD++, explicit ALS and item kNN with their own
            // defaults (overrides apply to all); `mix=a+b+…` picks other batch models.
            let allowed = names.filter { $0 != "blend" && !SessionModelFitter.names.contains($0) }
            let parts = try blendParts(options, default: "biasedmf+svdpp+als+itemknn", allowed: allowed)
            return BlendModel(try parts.map {
                try fit($0, data: data, options: options, seed: seed, forRatings: forRatings, progress: progress)
            })
        default:
            throw EvaluationError(.unknownModel, "unknown model \(name); known: \(names.joined(separator: ", "))")
        }
    }
}
