/// Hyper-parameters of ``SVDPlusPlus``.
public struct SVDPlusPlusConfiguration: Sendable, Codable, Equatable {
    /// Latent dimension.
    public var factors: Int = 50
    /// SGD step size.
    public var learningRate: Float = 0.007
    /// L2 penalty on user and item factors.
    public var regularization: Float = 0.02
    /// L2 penalty on the implicit item factors `y_j`.
    public var implicitRegularization: Float = 0.02
    /// L2 penalty on biases.
    public var biasRegularization: Float = 0.005
    /// Standard deviation of initial factors.
    public var initStd: Float = 0.05
    /// Count-adaptive step (as ``OnlineMFConfiguration/rateBoost``): `lr·(1 + rateBoost/√n)` per row.
    public var rateBoost: Float = 0
    /// Seed of the initial factors.
    public var seed: UInt64 = 42

    /// Creates a configuration; every argument defaulted.
    public init(factors: Int = 50, learningRate: Float = 0.007, regularization: Float = 0.02,
                implicitRegularization: Float = 0.02, biasRegularization: Float = 0.005, initStd: Float = 0.05,
                rateBoost: Float = 0, seed: UInt64 = 42) {
        self.factors = factors
        self.learningRate = learningRate
        self.regularization = regularization
        self.implicitRegularization = implicitRegularization
        self.biasRegularization = biasRegularization
        self.initStd = initStd
        self.rateBoost = rateBoost
        self.seed = seed
    }
}
