/// Equal-weight average of several fitted models' scores (rating estimates or ranking scores).
final class BlendModel: EvaluableModel {
    let parts: [any EvaluableModel]
    private let weights: [Float]
    private var mixer = WeightedScores()

    init(_ parts: [any EvaluableModel]) {
        precondition(!parts.isEmpty)
        self.parts = parts
        weights = [Float](repeating: 1 / Float(parts.count), count: parts.count)
    }

    func predict(user: Int32, item: Int32) -> Float {
        parts.reduce(0) { $0 + $1.predict(user: user, item: item) } / Float(parts.count)
    }

    func scoreAll(user: Int32, into scores: UnsafeMutableBufferPointer<Float>) {
        mixer.combine(parts, weights: weights, user: user, into: scores)
    }
}
