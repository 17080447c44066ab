/// Weighted sum of several models' score rows, with one scratch row reused across calls
/// (shared by the batch and the streaming blends).
struct WeightedScores {
    private var buffer: [Float] = []

    /// Writes `Σ weights[k] · parts[k].scoreAll(user)` into `scores`.
    mutating func combine(_ parts: [any EvaluableModel], weights: [Float], user: Int32,
                          into scores: UnsafeMutableBufferPointer<Float>) {
        if buffer.count < scores.count { buffer = [Float](repeating: 0, count: scores.count) }
        for j in 0..<scores.count { scores[j] = 0 }
        for (k, part) in parts.enumerated() {
            buffer.withUnsafeMutableBufferPointer { b in
                let row = UnsafeMutableBufferPointer(rebasing: b[0..<scores.count])
                part.scoreAll(user: user, into: row)
                let w = weights[k]
                for j in 0..<scores.count { scores[j] += w * row[j] }
            }
        }
    }
}
