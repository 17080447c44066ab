/// Hyper-parameters of ``NeuralCF`` (defaults follow He et al. 2017 at a smaller scale).
public struct NeuralCFConfiguration: Sendable, Codable, Equatable {
    /// Which of the paper's models.
    public enum Variant: String, Sendable, Codable { case mlp, neumf }

    /// MLP alone, or NeuMF (GMF and MLP fused under one output layer).
    public var variant: Variant = .neumf
    /// GMF embedding size (NeuMF only).
    public var gmfFactors: Int = 16
    /// MLP layer widths; the first is the concatenated input (user and item embeddings of half its size).
    public var layers: [Int] = [64, 32, 16, 8]
    /// Adam step size.
    public var learningRate: Float = 0.001
    /// L2 penalty on embeddings.
    public var regularization: Float = 0
    /// Sampled negatives per positive.
    public var negatives: Int = 4
    /// Passes over the positives.
    public var epochs: Int = 20
    /// Samples per Adam step of the dense layers.
    public var batchSize: Int = 256
    /// Seed of initialisation, sampling and shuffling.
    public var seed: UInt64 = 42

    /// Creates a configuration; every argument defaulted.
    public init(variant: Variant = .neumf, gmfFactors: Int = 16, layers: [Int] = [64, 32, 16, 8], learningRate: Float = 0.001,
                regularization: Float = 0, negatives: Int = 4, epochs: Int = 20, batchSize: Int = 256, seed: UInt64 = 42) {
        self.variant = variant
        self.gmfFactors = gmfFactors
        self.layers = layers
        self.learningRate = learningRate
        self.regularization = regularization
        self.negatives = negatives
        self.epochs = epochs
        self.batchSize = batchSize
        self.seed = seed
    }
}
