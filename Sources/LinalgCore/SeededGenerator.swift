/// Small, fast, seedable random generator (SplitMix64) so runs repeat exactly.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    @usableFromInline var state: UInt64

    /// Creates a generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }

    /// Next 64 random bits.
    @inlinable
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform float in [0, 1).
    @inlinable
    public mutating func nextUnit() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// Uniform double in [0, 1) (53 random bits).
    @inlinable
    public mutating func nextUnitDouble() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// Approximately normal(0, 1) double (Box–Muller on `nextUnitDouble`).
    public mutating func nextGaussianDouble() -> Double {
        let u1 = max(nextUnitDouble(), 1e-12)
        let u2 = nextUnitDouble()
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }

    /// Approximately normal(0, 1) float (Box–Muller).
    public mutating func nextGaussian() -> Float {
        let u1 = max(nextUnit(), 1e-7)
        let u2 = nextUnit()
        return (-2 * logf(u1)).squareRoot() * cosf(2 * .pi * u2)
    }

    /// Uniform integer in `0..<bound`.
    @inlinable
    public mutating func nextInt(below bound: Int) -> Int {
        Int(next() % UInt64(bound))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
