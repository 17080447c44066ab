import Linalg

extension SeededGenerator {
    /// The generator's whole internal state (one word), for checkpoints.
    var rawState: UInt64 {
        withUnsafeBytes(of: self) { $0.load(as: UInt64.self) }
    }

    /// A generator resumed at exactly `rawState`.
    init(rawState: UInt64) {
        precondition(MemoryLayout<SeededGenerator>.size == MemoryLayout<UInt64>.size)
        self = unsafeBitCast(rawState, to: SeededGenerator.self)
    }
}
