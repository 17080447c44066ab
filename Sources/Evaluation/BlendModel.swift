/// Equal-weight average of several fitted models' scores (rating estimates or ranking scores).
final class BlendModel: EvaluableModel {
    let parts: [any EvaluableModel]
    private var buffer: [Float] = []

    init(_ parts: [any EvaluableModel]) {
        precondition(!parts.isEmpty)
        self.parts = parts
    }

    func predict(user: Int32, item: Int32) -> Float {
        parts.reduce(0) { $0 + $1.predict(user: user, item: item) } / Float(parts.count)
    }

    func scoreAll(user: Int32, into scores: UnsafeMutableBufferPointer<Float>) {
        if buffer.count < scores.count { buffer = [Float](repeating: 0, count: scores.count) }
        parts[0].scoreAll(user: user, into: scores)
        for part in parts.dropFirst() {
            buffer.withUnsafeMutableBufferPointer { b in
                part.scoreAll(user: user, into: UnsafeMutableBufferPointer(rebasing: b[0..<scores.count]))
                for j in 0..<scores.count { scores[j] += b[j] }
            }
        }
        let inv = 1 / Float(parts.count)
        for j in 0..<scores.count { scores[j] *= inv }
    }
}
