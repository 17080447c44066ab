#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A flat block of parameters with Adam moments (Kingma & Ba 2015), updated densely or per row.
/// Raw storage so the training loops run on pointers.
final class AdamParameters {
    let count: Int
    let value: UnsafeMutablePointer<Float>
    let gradient: UnsafeMutablePointer<Float>
    private let m: UnsafeMutablePointer<Float>
    private let v: UnsafeMutablePointer<Float>
    private var rowSteps: [Int32]
    let rowSize: Int
    private let beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8

    init(count: Int, rowSize: Int, initialize: () -> Float) {
        self.count = count
        value = .allocate(capacity: max(1, count))
        gradient = .allocate(capacity: max(1, count))
        m = .allocate(capacity: max(1, count))
        v = .allocate(capacity: max(1, count))
        for k in 0..<count { value[k] = initialize() }
        gradient.initialize(repeating: 0, count: max(1, count))
        m.initialize(repeating: 0, count: max(1, count))
        v.initialize(repeating: 0, count: max(1, count))
        self.rowSize = max(1, rowSize)
        rowSteps = [Int32](repeating: 0, count: max(1, count / self.rowSize))
    }

    deinit {
        value.deallocate(); gradient.deallocate(); m.deallocate(); v.deallocate()
    }

    /// One Adam step on the whole block from `gradient` (divided by `scale`), then clears it.
    func step(learningRate: Float, scale: Float, t: Int) {
        let c1 = 1 - powf(beta1, Float(t)), c2 = 1 - powf(beta2, Float(t))
        for k in 0..<count {
            let g = gradient[k] / scale
            m[k] = beta1 * m[k] + (1 - beta1) * g
            v[k] = beta2 * v[k] + (1 - beta2) * g * g
            value[k] -= learningRate * (m[k] / c1) / ((v[k] / c2).squareRoot() + epsilon)
            gradient[k] = 0
        }
    }

    /// Lazy Adam step of one row from `g` (embeddings: only rows a sample touched move).
    func stepRow(_ row: Int, gradient g: UnsafePointer<Float>, learningRate: Float) {
        rowSteps[row] += 1
        let t = Float(rowSteps[row])
        let c1 = 1 - powf(beta1, t), c2 = 1 - powf(beta2, t)
        let base = row * rowSize
        for k in 0..<rowSize {
            let i = base + k
            m[i] = beta1 * m[i] + (1 - beta1) * g[k]
            v[i] = beta2 * v[i] + (1 - beta2) * g[k] * g[k]
            value[i] -= learningRate * (m[i] / c1) / ((v[i] / c2).squareRoot() + epsilon)
        }
    }
}
