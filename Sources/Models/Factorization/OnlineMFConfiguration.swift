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
        useBiases: Bool = true, seed: UInt64 = 42
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
        self.seed = seed
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
        guard negativeSamples >= 0 else {
            throw ModelError(.invalidConfiguration, "negativeSamples must not be negative")
        }
    }
}
