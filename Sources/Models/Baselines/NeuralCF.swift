import Linalg

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Neural collaborative filtering (He et al. 2017): the MLP model and NeuMF (GMF ⊕ MLP), trained
/// with binary cross-entropy on each positive and `negatives` sampled unobserved items, Adam.
/// An offline comparison model: scoring runs layer by layer over all items with sgemm.
public final class NeuralCF {
    /// Hyper-parameters.
    public let configuration: NeuralCFConfiguration
    /// Number of users.
    public let users: Int
    /// Number of items.
    public let items: Int
    private let half: Int
    private let gmf: Int
    private let userMLP: AdamParameters, itemMLP: AdamParameters
    private let userGMF: AdamParameters?, itemGMF: AdamParameters?
    private var weights: [AdamParameters] = []   // W_l: out × in
    private var biases: [AdamParameters] = []
    private let output: AdamParameters           // over [gmf ; last layer]
    private let outputBias: AdamParameters

    /// Trains on the (binary) interactions of `data`; `progress` gets the mean BCE of each epoch.
    public init(_ data: TrainingData, configuration: NeuralCFConfiguration, progress: (TrainingProgress) -> Void = { _ in }) throws {
        let layers = configuration.layers
        guard layers.count >= 2, layers[0] % 2 == 0, layers.allSatisfy({ $0 > 0 }), configuration.gmfFactors > 0 else {
            throw ModelError(.invalidConfiguration, "NeuralCF: need at least two positive layer widths, the first even")
        }
        self.configuration = configuration
        users = data.users
        items = data.items
        half = layers[0] / 2
        gmf = configuration.variant == .neumf ? configuration.gmfFactors : 0
        var rng = SeededGenerator(seed: configuration.seed)
        userMLP = AdamParameters(count: users * half, rowSize: half) { 0.01 * rng.nextGaussian() }
        itemMLP = AdamParameters(count: items * half, rowSize: half) { 0.01 * rng.nextGaussian() }
        if gmf > 0 {
            userGMF = AdamParameters(count: users * gmf, rowSize: gmf) { 0.01 * rng.nextGaussian() }
            itemGMF = AdamParameters(count: items * gmf, rowSize: gmf) { 0.01 * rng.nextGaussian() }
        } else {
            userGMF = nil
            itemGMF = nil
        }
        for l in 1..<layers.count {
            let fanIn = layers[l - 1], fanOut = layers[l]
            let limit = (6 / Float(fanIn + fanOut)).squareRoot()   // Glorot uniform
            weights.append(AdamParameters(count: fanIn * fanOut, rowSize: fanIn) { limit * (2 * rng.nextUnit() - 1) })
            biases.append(AdamParameters(count: fanOut, rowSize: fanOut) { 0 })
        }
        let zSize = gmf + layers.last!
        output = AdamParameters(count: zSize, rowSize: zSize) { (1 / Float(zSize)).squareRoot() * (2 * rng.nextUnit() - 1) }
        outputBias = AdamParameters(count: 1, rowSize: 1) { 0 }
        try train(data, rng: &rng, progress: progress)
    }

    // MARK: - Training

    private func train(_ data: TrainingData, rng: inout SeededGenerator, progress: (TrainingProgress) -> Void) throws {
        let c = configuration, layers = c.layers
        let seen = SeenItems(data)
        let offsets = layers.reduce(into: [0]) { $0.append($0.last! + $1) }
        let act = UnsafeMutablePointer<Float>.allocate(capacity: offsets.last!)
        let del = UnsafeMutablePointer<Float>.allocate(capacity: offsets.last!)
        let gU = UnsafeMutablePointer<Float>.allocate(capacity: half), gI = UnsafeMutablePointer<Float>.allocate(capacity: half)
        let gUG = UnsafeMutablePointer<Float>.allocate(capacity: max(1, gmf)), gIG = UnsafeMutablePointer<Float>.allocate(capacity: max(1, gmf))
        defer { act.deallocate(); del.deallocate(); gU.deallocate(); gI.deallocate(); gUG.deallocate(); gIG.deallocate() }
        let W = weights.map(\.value), GW = weights.map(\.gradient), B = biases.map(\.value), GB = biases.map(\.gradient)
        let um = userMLP.value, im = itemMLP.value
        let ug = userGMF?.value, ig = itemGMF?.value
        let ow = output.value, og = output.gradient
        var positives = Array(0..<data.count)
        var t = 0
        let last = layers.count - 1
        for epoch in 0..<c.epochs {
            positives.shuffle(using: &rng)
            var loss = 0.0, inBatch = 0, samples = 0
            for k in positives {
                let u = Int(data.userIndex[k])
                for s in 0...c.negatives {
                    var i = Int(data.itemIndex[k])
                    let label: Float = s == 0 ? 1 : 0
                    if s > 0 {
                        var tries = 0
                        repeat { i = rng.nextInt(below: items); tries += 1 } while seen.contains(user: u, item: Int32(i)) && tries < 20
                    }
                    // Forward.
                    for h in 0..<half { act[h] = um[u * half + h]; act[half + h] = im[i * half + h] }
                    for l in 1...last {
                        let fanIn = layers[l - 1], a0 = act + offsets[l - 1], a1 = act + offsets[l], w = W[l - 1], b = B[l - 1]
                        for o in 0..<layers[l] {
                            var z = b[o]
                            let row = w + o * fanIn
                            for j in 0..<fanIn { z += row[j] * a0[j] }
                            a1[o] = max(0, z)
                        }
                    }
                    var out = outputBias.value[0]
                    if let ug, let ig { for g in 0..<gmf { out += ow[g] * ug[u * gmf + g] * ig[i * gmf + g] } }
                    let aL = act + offsets[last]
                    for j in 0..<layers[last] { out += ow[gmf + j] * aL[j] }
                    let p = 1 / (1 + expf(-out))
                    loss += Double(label == 1 ? -logf(max(p, 1e-7)) : -logf(max(1 - p, 1e-7)))
                    // Backward.
                    let dOut = p - label
                    outputBias.gradient[0] += dOut
                    if let ug, let ig {
                        for g in 0..<gmf {
                            let pu = ug[u * gmf + g], qi = ig[i * gmf + g]
                            og[g] += dOut * pu * qi
                            gUG[g] = dOut * ow[g] * qi + c.regularization * pu
                            gIG[g] = dOut * ow[g] * pu + c.regularization * qi
                        }
                    }
                    let dL = del + offsets[last]
                    for j in 0..<layers[last] {
                        og[gmf + j] += dOut * aL[j]
                        dL[j] = aL[j] > 0 ? dOut * ow[gmf + j] : 0
                    }
                    for l in stride(from: last, through: 1, by: -1) {
                        let fanIn = layers[l - 1], a0 = act + offsets[l - 1], d0 = del + offsets[l - 1], d1 = del + offsets[l]
                        let w = W[l - 1], gw = GW[l - 1], gb = GB[l - 1]
                        for j in 0..<fanIn { d0[j] = 0 }
                        for o in 0..<layers[l] {
                            let d = d1[o]
                            if d == 0 { continue }
                            gb[o] += d
                            let row = w + o * fanIn, grow = gw + o * fanIn
                            for j in 0..<fanIn {
                                grow[j] += d * a0[j]
                                d0[j] += d * row[j]
                            }
                        }
                        if l - 1 > 0 { for j in 0..<fanIn where a0[j] <= 0 { d0[j] = 0 } }
                    }
                    for h in 0..<half {
                        gU[h] = del[h] + c.regularization * um[u * half + h]
                        gI[h] = del[half + h] + c.regularization * im[i * half + h]
                    }
                    userMLP.stepRow(u, gradient: gU, learningRate: c.learningRate)
                    itemMLP.stepRow(i, gradient: gI, learningRate: c.learningRate)
                    if gmf > 0 {
                        userGMF!.stepRow(u, gradient: gUG, learningRate: c.learningRate)
                        itemGMF!.stepRow(i, gradient: gIG, learningRate: c.learningRate)
                    }
                    inBatch += 1
                    samples += 1
                    if inBatch == c.batchSize { t += 1; denseStep(scale: Float(inBatch), t: t); inBatch = 0 }
                }
            }
            if inBatch > 0 { t += 1; denseStep(scale: Float(inBatch), t: t) }
            progress(TrainingProgress(epoch: epoch + 1, epochs: c.epochs, loss: loss / Double(max(1, samples))))
        }
    }

    private func denseStep(scale: Float, t: Int) {
        for p in weights + biases + [output, outputBias] { p.step(learningRate: configuration.learningRate, scale: scale, t: t) }
    }

    // MARK: - Scoring

    /// Logit of one pair.
    public func predict(user: Int32, item: Int32) -> Float {
        var s: [Float] = [0]
        s.withUnsafeMutableBufferPointer { forward(user: Int(user), items: Int(item)..<Int(item) + 1, into: $0) }
        return s[0]
    }

    /// Logits of every item for `user`, computed layer by layer over all items with sgemm.
    public func scoreAll(user: Int32, into scores: UnsafeMutableBufferPointer<Float>) {
        forward(user: Int(user), items: 0..<items, into: scores)
    }

    private func forward(user u: Int, items range: Range<Int>, into scores: UnsafeMutableBufferPointer<Float>) {
        let layers = configuration.layers, n = range.count
        guard n > 0 else { return }
        var current = [Float](repeating: 0, count: n * layers[0])
        for (row, i) in range.enumerated() {
            for h in 0..<half {
                current[row * layers[0] + h] = userMLP.value[u * half + h]
                current[row * layers[0] + half + h] = itemMLP.value[i * half + h]
            }
        }
        for l in 1..<layers.count {
            var next = [Float](repeating: 0, count: n * layers[l])
            for row in 0..<n { for o in 0..<layers[l] { next[row * layers[l] + o] = biases[l - 1].value[o] } }
            let w = weights[l - 1].value
            current.withUnsafeBufferPointer { a in
                next.withUnsafeMutableBufferPointer { c in
                    BLAS.gemm(transA: false, transB: true, m: n, n: layers[l], k: layers[l - 1], a: a.baseAddress!, lda: layers[l - 1],
                              b: w, ldb: layers[l - 1], beta: 1, c: c.baseAddress!, ldc: layers[l])
                }
            }
            for k in next.indices where next[k] < 0 { next[k] = 0 }
            current = next
        }
        let width = layers.last!
        for (row, i) in range.enumerated() {
            var out = outputBias.value[0]
            for g in 0..<gmf { out += output.value[g] * userGMF!.value[u * gmf + g] * itemGMF!.value[i * gmf + g] }
            for j in 0..<width { out += output.value[gmf + j] * current[row * width + j] }
            scores[row] = out
        }
    }
}
