import Models

/// Several per-event learners fed the same stream, whose rating estimates are combined with
/// weights learned online: each event is predicted with the current weights, then the weights take
/// one normalised-LMS step on that event's error before the parts learn it (test-then-train at
/// both levels). Weights start equal. Ranking scores use the same weights.
final class StreamBlend: StreamLearner {
    let parts: [any StreamLearner]
    /// Current weight of each part.
    private(set) var weights: [Float]
    /// Step size of the weight update (normalised by one plus the squared norm of the parts' predictions).
    let weightRate: Float
    private var predictions: [Float]
    /// `parts` as scorers (kept, so scoring converts no array per call).
    private let scoringParts: [any EvaluableModel]
    private var mixer = WeightedScores()

    init(_ parts: [any StreamLearner], weightRate: Float) {
        precondition(!parts.isEmpty)
        self.parts = parts
        scoringParts = parts.map { $0 as any EvaluableModel }
        self.weightRate = weightRate
        weights = [Float](repeating: 1 / Float(parts.count), count: parts.count)
        predictions = [Float](repeating: 0, count: parts.count)
    }

    var isExplicit: Bool { parts[0].isExplicit }

    func addUser() -> Int32 {
        let row = parts[0].addUser()
        for part in parts.dropFirst() { precondition(part.addUser() == row, "StreamBlend: parts disagree on user rows") }
        return row
    }

    func addItem() -> Int32 {
        let row = parts[0].addItem()
        for part in parts.dropFirst() { precondition(part.addItem() == row, "StreamBlend: parts disagree on item rows") }
        return row
    }

    func predict(user: Int32, item: Int32) -> Float {
        var sum: Float = 0
        for (k, part) in parts.enumerated() { sum += weights[k] * part.predict(user: user, item: item) }
        return sum
    }

    func coldItemPrediction(user: Int32) -> Float {
        var sum: Float = 0
        for (k, part) in parts.enumerated() { sum += weights[k] * part.coldItemPrediction(user: user) }
        return sum
    }

    @discardableResult
    func update(user: Int32, item: Int32, value: Float) -> Float {
        var blended: Float = 0, norm: Float = 0
        for (k, part) in parts.enumerated() {
            let p = part.predict(user: user, item: item)
            predictions[k] = p
            blended += weights[k] * p
            norm += p * p
        }
        if weightRate > 0 {
            // +1 keeps the step bounded while the parts still predict near 0 (empty model).
            let step = weightRate * (value - blended) / (norm + 1)
            for k in 0..<parts.count { weights[k] += step * predictions[k] }
        }
        for part in parts { part.update(user: user, item: item, value: value) }
        return blended
    }

    func replay(user: Int32, item: Int32, value: Float) {
        for part in parts { part.replay(user: user, item: item, value: value) }
    }

    func scoreAll(user: Int32, into scores: UnsafeMutableBufferPointer<Float>) {
        mixer.combine(scoringParts, weights: weights, user: user, into: scores)
    }
}
