/// Hyper-parameters of ``OnlineMF``. Every field has a default suited to per-event learning on
/// MovieLens-like data; ``explicitDefaults`` and ``implicitDefaults`` give the tuned presets.
public struct OnlineMFConfiguration: Sendable, Codable, Equatable {
    /// Loss family: squared loss on ratings, or logistic loss with sampled negatives.
    public var feedback: Feedback = .implicit
    /// Latent dimension `d` of user and item vectors.
    public var factors: Int = 64
    /// SGD step size for factors and biases.
    public var learningRate: Float = 0.05
    /// L2 penalty on factor vectors, applied per touched row on each step.
    public var regularization: Float = 0.01
    /// L2 penalty on user and item biases.
    public var biasRegularization: Float = 0.001
    /// Standard deviation of the Gaussian used to initialise new rows.
    public var initStd: Float = 0.1
    /// Implicit feedback only: number of uniformly sampled negative items per positive.
    public var negativeSamples: Int = 4
    /// Implicit feedback only: weight of each sampled negative's loss term.
    public var negativeWeight: Float = 1
    /// Frequency-adaptive regularization: the penalty on a row touched for the `n`-th time is
    /// `regularization / sqrt(n)` (n counts events including the current one; sampled negatives do
    /// not count). Rare users and items are held close to zero, frequent ones fit freely.
    public var frequencyAdaptive: Bool = true
    /// Count-adaptive step size: a row touched for the `n`-th time moves with
    /// `learningRate · (1 + rateBoost / √n)`, so new users and items catch up within a few events
    /// while frequent ones settle. 0 turns it off (plain SGD).
    public var rateBoost: Float = 0
    /// Multiplier of the learning rate for factor vectors (biases use `learningRate` itself).
    public var factorRateScale: Float = 1
    /// Explicit feedback only: when positive, an item bias touched for the `n`-th time moves by
    /// `(e − biasRegularization·b) / (n + biasShrinkage)` instead of an SGD step, which makes it a
    /// running shrunk mean of its residuals (low noise in one pass). User biases keep SGD (they
    /// drift within a session). 0 keeps plain SGD for both.
    public var biasShrinkage: Float = 0
    /// Whether user and item biases are learned (the global mean is always used for explicit feedback).
    public var useBiases: Bool = true
    /// Seed of the generator used for initialisation and negative sampling.
    public var seed: UInt64 = 42

    /// Creates a configuration with the defaults above.
    public init() {}

    /// Creates a configuration, every argument defaulted.
    public init(
        feedback: Feedback = .implicit, factors: Int = 64, learningRate: Float = 0.05,
        regularization: Float = 0.01, biasRegularization: Float = 0.001, initStd: Float = 0.1,
        negativeSamples: Int = 4, negativeWeight: Float = 1, frequencyAdaptive: Bool = true,
        useBiases: Bool = true, rateBoost: Float = 0, biasShrinkage: Float = 0, factorRateScale: Float = 1,
        seed: UInt64 = 42
    ) {
        self.feedback = feedback
        self.factors = factors
        self.learningRate = learningRate
        self.regularization = regularization
        self.biasRegularization = biasRegularization
        self.initStd = initStd
        self.negativeSamples = negativeSamples
        self.negativeWeight = negativeWeight
        self.frequencyAdaptive = frequencyAdaptive
        self.useBiases = useBiases
        self.rateBoost = rateBoost
        self.biasShrinkage = biasShrinkage
        self.factorRateScale = factorRateScale
        self.seed = seed
    }

    private enum CodingKeys: String, CodingKey {
        case feedback, factors, learningRate, regularization, biasRegularization, initStd, negativeSamples
        case negativeWeight, frequencyAdaptive, rateBoost, biasShrinkage, factorRateScale, useBiases, seed
    }

    /// Decodes a configuration; absent keys take their defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = OnlineMFConfiguration()
        feedback = try c.decodeIfPresent(Feedback.self, forKey: .feedback) ?? d.feedback
        factors = try c.decodeIfPresent(Int.self, forKey: .factors) ?? d.factors
        learningRate = try c.decodeIfPresent(Float.self, forKey: .learningRate) ?? d.learningRate
        regularization = try c.decodeIfPresent(Float.self, forKey: .regularization) ?? d.regularization
        biasRegularization = try c.decodeIfPresent(Float.self, forKey: .biasRegularization) ?? d.biasRegularization
        initStd = try c.decodeIfPresent(Float.self, forKey: .initStd) ?? d.initStd
        negativeSamples = try c.decodeIfPresent(Int.self, forKey: .negativeSamples) ?? d.negativeSamples
        negativeWeight = try c.decodeIfPresent(Float.self, forKey: .negativeWeight) ?? d.negativeWeight
        frequencyAdaptive = try c.decodeIfPresent(Bool.self, forKey: .frequencyAdaptive) ?? d.frequencyAdaptive
        rateBoost = try c.decodeIfPresent(Float.self, forKey: .rateBoost) ?? d.rateBoost
        biasShrinkage = try c.decodeIfPresent(Float.self, forKey: .biasShrinkage) ?? d.biasShrinkage
        factorRateScale = try c.decodeIfPresent(Float.self, forKey: .factorRateScale) ?? d.factorRateScale
        useBiases = try c.decodeIfPresent(Bool.self, forKey: .useBiases) ?? d.useBiases
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
    }

    /// Preset for star ratings learned one event at a time (Koren-style biased MF).
    public static var explicitDefaults: OnlineMFConfiguration {
        OnlineMFConfiguration(feedback: .explicit, factors: 64, learningRate: 0.01, regularization: 0.05,
                              biasRegularization: 0.01, initStd: 0.05, negativeSamples: 0,
                              frequencyAdaptive: false)
    }

    /// Preset for clicks and views (logistic loss, sampled negatives, frequency-adaptive L2).
    public static var implicitDefaults: OnlineMFConfiguration { OnlineMFConfiguration() }

    /// Checks ranges; throws ``ModelError`` for values a learner cannot run with.
    public func validate() throws {
        guard factors > 0 else { throw ModelError(.invalidConfiguration, "factors must be positive, got \(factors)") }
        guard learningRate > 0, learningRate.isFinite else {
            throw ModelError(.invalidConfiguration, "learningRate must be positive, got \(learningRate)")
        }
        guard regularization >= 0, biasRegularization >= 0 else {
            throw ModelError(.invalidConfiguration, "regularization must not be negative")
        }
        guard initStd >= 0 else { throw ModelError(.invalidConfiguration, "initStd must not be negative") }
        guard biasShrinkage >= 0 else { throw ModelError(.invalidConfiguration, "biasShrinkage must not be negative") }
        guard factorRateScale > 0 else { throw ModelError(.invalidConfiguration, "factorRateScale must be positive") }
        guard rateBoost >= 0 else { throw ModelError(.invalidConfiguration, "rateBoost must not be negative") }
        guard negativeSamples >= 0 else {
            throw ModelError(.invalidConfiguration, "negativeSamples must not be negative")
        }
    }
}
