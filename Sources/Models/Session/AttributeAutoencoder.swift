import Linalg

/// A small autoencoder that compresses an item's multi-hot attribute vector `m` (A wide) into a
/// code of `codeSize` units, for the session model's attribute input (seed 001's feature
/// refinement, as an ablation of the attribute-embedding mean).
///
/// Encoder `code = tanh(m · We + be)`, decoder `logits = code · Wd + bd`, trained by Adam on the
/// mean over items of the summed sigmoid cross-entropy between `logits` and `m`. One flat Float
/// buffer holds `We` (A×k), `be` (k), `Wd` (k×A), `bd` (A); the encoder sums rows of `We` (the
/// input is sparse), the decoder is one sgemm per batch. Buffers are allocated once per batch size.
public final class AttributeAutoencoder {
    /// Width of the multi-hot input (number of attributes).
    public let attributeCount: Int
    /// Width of the code.
    public let codeSize: Int
    /// Number of Float weights.
    public let parameterCount: Int
    let parameters: UnsafeMutablePointer<Float>
    let we: Int, be: Int, wd: Int, bd: Int
    private var batchCapacity = 0
    private var code: UnsafeMutablePointer<Float>
    private var logits: UnsafeMutablePointer<Float>
    private var dCode: UnsafeMutablePointer<Float>

    /// A model with seeded Glorot-uniform weights and zero biases.
    public init(attributeCount: Int, codeSize: Int, seed: UInt64) {
        precondition(attributeCount > 0 && codeSize > 0)
        self.attributeCount = attributeCount
        self.codeSize = codeSize
        we = 0
        be = attributeCount * codeSize
        wd = be + codeSize
        bd = wd + codeSize * attributeCount
        parameterCount = bd + attributeCount
        parameters = .allocate(capacity: parameterCount)
        parameters.initialize(repeating: 0, count: parameterCount)
        var rng = SeededGenerator(seed: seed)
        let bound = (6 / Float(attributeCount + codeSize)).squareRoot()
        for i in 0..<(attributeCount * codeSize) {
            parameters[we + i] = bound * (2 * rng.nextUnit() - 1)
            parameters[wd + i] = bound * (2 * rng.nextUnit() - 1)
        }
        code = .allocate(capacity: 1)
        logits = .allocate(capacity: 1)
        dCode = .allocate(capacity: 1)
    }

    deinit {
        parameters.deallocate()
        code.deallocate()
        logits.deallocate()
        dCode.deallocate()
    }

    private func reserve(_ batch: Int) {
        guard batch > batchCapacity else { return }
        code.deallocate(); logits.deallocate(); dCode.deallocate()
        code = .allocate(capacity: batch * codeSize)
        logits = .allocate(capacity: batch * attributeCount)
        dCode = .allocate(capacity: batch * codeSize)
        batchCapacity = batch
    }

    /// Writes the code of the multi-hot row `attributes` (ids in `0..<attributeCount`, no duplicates).
    func encode(_ attributes: [Int32], into out: UnsafeMutablePointer<Float>) {
        let k = codeSize
        out.update(from: parameters + be, count: k)
        for a in attributes { BLAS.axpy(k, 1, parameters + we + Int(a) * k, out) }
        for j in 0..<k { out[j] = Float(tanh(Double(out[j]))) }
    }

    /// The code of each row (nil for an empty row: no attributes, no code).
    public func codes(_ rows: [[Int32]]) -> [[Float]?] {
        var out = [Float](repeating: 0, count: codeSize)
        return rows.map { row in
            guard !row.isEmpty else { return nil }
            out.withUnsafeMutableBufferPointer { encode(row, into: $0.baseAddress!) }
            return out
        }
    }

    /// Mean reconstruction loss (summed sigmoid cross-entropy per row) of `rows`; when `gradient`
    /// is given, adds the gradient of that mean with respect to every weight into it.
    func loss(_ rows: ArraySlice<[Int32]>, gradient: UnsafeMutablePointer<Float>?) -> Double {
        let B = rows.count, k = codeSize, A = attributeCount
        guard B > 0 else { return 0 }
        reserve(B)
        for (b, row) in rows.enumerated() { encode(row, into: code + b * k) }
        for b in 0..<B { (logits + b * A).update(from: parameters + bd, count: A) }
        BLAS.gemm(transA: false, transB: false, m: B, n: A, k: k, a: code, lda: k, b: parameters + wd, ldb: A,
                  beta: 1, c: logits, ldc: A)
        // Loss Σ softplus(z) − y·z; its logit gradient (σ(z) − y) / B is left in `logits`.
        var total = 0.0
        let scale = 1 / Float(B)
        for (b, row) in rows.enumerated() {
            let z = logits + b * A
            for a in row { total -= Double(z[Int(a)]) }
            for a in 0..<A {
                total += Double(SessionMath.softplus(z[a]))
                z[a] = SessionMath.sigmoid(z[a]) * scale
            }
            for a in row { z[Int(a)] -= scale }
        }
        guard let grad = gradient else { return total / Double(B) }
        BLAS.gemm(transA: true, transB: false, m: k, n: A, k: B, a: code, lda: k, b: logits, ldb: A,
                  beta: 1, c: grad + wd, ldc: A)
        for b in 0..<B { BLAS.axpy(A, 1, logits + b * A, grad + bd) }
        BLAS.gemm(transA: false, transB: true, m: B, n: k, k: A, a: logits, lda: A, b: parameters + wd, ldb: A,
                  c: dCode, ldc: k)
        for (b, row) in rows.enumerated() {
            let d = dCode + b * k, c = code + b * k
            for j in 0..<k { d[j] *= 1 - c[j] * c[j] }
            BLAS.axpy(k, 1, d, grad + be)
            for a in row { BLAS.axpy(k, 1, d, grad + we + Int(a) * k) }
        }
        return total / Double(B)
    }

    /// Trains on the non-empty `rows` (duplicates within a row are dropped) for `epochs` passes
    /// of shuffled batches; returns the mean loss of each pass.
    @discardableResult
    public func train(_ rows: [[Int32]], epochs: Int, batchSize: Int = 256, learningRate: Float = 0.01,
                      seed: UInt64) -> [Double] {
        var data = rows.filter { !$0.isEmpty }.map { Array(Set($0)).sorted() }
        guard !data.isEmpty, epochs > 0 else { return [] }
        let adam = SessionAdam(count: parameterCount, learningRate: learningRate, l2: 0)
        let gradient = UnsafeMutablePointer<Float>.allocate(capacity: parameterCount)
        defer { gradient.deallocate() }
        var rng = SeededGenerator(seed: seed)
        var losses: [Double] = []
        for _ in 0..<epochs {
            data.shuffle(using: &rng)
            var sum = 0.0, batches = 0
            var start = 0
            while start < data.count {
                let end = min(data.count, start + max(1, batchSize))
                gradient.update(repeating: 0, count: parameterCount)
                sum += loss(data[start..<end], gradient: gradient)
                adam.update(parameters, gradient: gradient)
                batches += 1
                start = end
            }
            losses.append(sum / Double(batches))
        }
        return losses
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
