/// Epoch count and learning-rate schedule of batch SGD: `lr_e = lr · decay^e`.
public struct SGDSchedule: Sendable, Codable, Equatable {
    /// Passes over the training data.
    public var epochs: Int = 20
    /// Factor applied to the learning rate after each epoch.
    public var decay: Float = 0.95
    /// Seed of the shuffling order (independent of the model's own generator).
    public var shuffleSeed: UInt64 = 1

    /// Creates a schedule; every argument defaulted.
    public init(epochs: Int = 20, decay: Float = 0.95, shuffleSeed: UInt64 = 1) {
        self.epochs = epochs
        self.decay = decay
        self.shuffleSeed = shuffleSeed
    }

    /// Learning rate of epoch `e` (0-based) for base rate `base`.
    public func learningRate(base: Float, epoch e: Int) -> Float {
        var lr = base
        for _ in 0..<e { lr *= decay }
        return lr
    }
}
