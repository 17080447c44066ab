/// Adam optimiser over one flat parameter buffer (dense moments, bias-corrected).
final class SessionAdam {
    let count: Int
    let learningRate: Float
    let beta1: Float = 0.9
    let beta2: Float = 0.999
    let epsilon: Float = 1e-8
    let l2: Float
    private(set) var step = 0
    private let m: UnsafeMutablePointer<Float>
    private let v: UnsafeMutablePointer<Float>

    init(count: Int, learningRate: Float, l2: Float) {
        self.count = count
        self.learningRate = learningRate
        self.l2 = l2
        m = .allocate(capacity: count)
        m.initialize(repeating: 0, count: count)
        v = .allocate(capacity: count)
        v.initialize(repeating: 0, count: count)
    }

    deinit {
        m.deallocate()
        v.deallocate()
    }

    /// Step size over the bias correction of the first moment, and 1 / the second's, this step.
    private var rate: Float = 0
    private var invC2: Float = 1

    /// One update of `parameters` with `gradient` (both `count` floats).
    func update(_ parameters: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>) {
        beginStep()
        update(parameters, gradient: gradient, range: 0..<count)
    }

    /// Starts a step whose parameters are then updated a range at a time (`update(_:gradient:range:)`):
    /// the lazy form, where rows of an embedding table that had no gradient this step keep their
    /// values and moments (as TensorFlow's LazyAdam), so a step costs the rows it touched.
    func beginStep() {
        step += 1
        let c1 = 1 - Float(Double(beta1).power(step))
        let c2 = 1 - Float(Double(beta2).power(step))
        rate = learningRate / c1
        invC2 = 1 / c2
    }

    /// Updates the parameters in `range` with their gradient, for the step `beginStep` started.
    func update(_ parameters: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>, range: Range<Int>) {
        let b1 = beta1, b2 = beta2, eps = epsilon, decay = l2, rate = rate, invC2 = invC2
        for i in range {
            let g = gradient[i] + decay * parameters[i]
            let mi = b1 * m[i] + (1 - b1) * g
            let vi = b2 * v[i] + (1 - b2) * g * g
            m[i] = mi
            v[i] = vi
            parameters[i] -= rate * mi / ((vi * invC2).squareRoot() + eps)
        }
    }
}

extension Double {
    /// `self` raised to a non-negative integer power.
    fileprivate func power(_ n: Int) -> Double {
        var result = 1.0, base = self, e = n
        while e > 0 {
            if e & 1 == 1 { result *= base }
            base *= base
            e >>= 1
        }
        return result
    }
}
