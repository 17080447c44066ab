/// Hyper-parameters of ``ALS``.
public struct ALSConfiguration: Sendable, Codable, Equatable {
    /// Explicit: squared loss on observed ratings with biases; implicit: Hu–Koren–Volinsky weighted loss over all pairs.
    public var feedback: Feedback = .implicit
    /// Latent dimension.
    public var factors: Int = 64
    /// L2 penalty λ. Explicit: weighted-λ (λ·n_u, λ·n_i, as in ALS-WR); implicit: plain λ.
    public var regularization: Float = 0.1
    /// Implicit only: confidence `c = 1 + alpha · value`.
    public var alpha: Float = 10
    /// Implicit only: confidence is `1 + alpha · log(1 + value / epsilon)` when true.
    public var logConfidence: Bool = false
    /// Implicit only: ε of the log confidence.
    public var epsilon: Float = 1
    /// Alternating sweeps (users then items).
    public var iterations: Int = 15
    /// Standard deviation of the initial factors.
    public var initStd: Float = 0.01
    /// Seed of the initial factors.
    public var seed: UInt64 = 42

    /// Creates a configuration; every argument defaulted.
    public init(feedback: Feedback = .implicit, factors: Int = 64, regularization: Float = 0.1, alpha: Float = 10,
                logConfidence: Bool = false, epsilon: Float = 1, iterations: Int = 15, initStd: Float = 0.01, seed: UInt64 = 42) {
        self.feedback = feedback
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.logConfidence = logConfidence
        self.epsilon = epsilon
        self.iterations = iterations
        self.initStd = initStd
        self.seed = seed
    }

    /// Confidence weight of an observed value.
    @inlinable
    public func confidence(_ value: Float) -> Float {
        logConfidence ? 1 + alpha * Float.log1p(value / epsilon) : 1 + alpha * value
    }
}

extension Float {
    @usableFromInline
    static func log1p(_ x: Float) -> Float { Float(Foundation_log1p(Double(x))) }
}

#if canImport(Glibc)
import Glibc
@usableFromInline func Foundation_log1p(_ x: Double) -> Double { Glibc.log1p(x) }
#elseif canImport(Darwin)
import Darwin
@usableFromInline func Foundation_log1p(_ x: Double) -> Double { Darwin.log1p(x) }
#endif
