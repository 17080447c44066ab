import Linalg

/// The input part of every GRU gate pre-activation, precomputed per model: for each direction,
/// `(itemIn[item] + attributeTerm(item)) · Wx_item + bx` for every item, `type[t] · Wx_type` for every event type and
/// `gap[g] · Wx_gap` for every gap bucket (each row 3H wide).
///
/// A step's input pre-activation `x · Wx + bx` is then the sum of three rows, so encoding a
/// window costs only the recurrent products. Built with one sgemm per block; it holds
/// `directions × (items + types + gaps) × 3H` floats (1.5 KiB per item at H = 64, both directions).
/// Read-only after `init`.
final class SessionInputTables: @unchecked Sendable {
    let hidden3: Int
    let itemCount: Int
    let typeCount: Int
    let gapCount: Int
    let directions: Int
    /// Per direction, rows `[items | types | gaps]`, each `hidden3` wide.
    private let storage: UnsafeMutablePointer<Float>
    private let rowsPerDirection: Int

    init(model: BiGRUSessionModel) {
        let l = model.layout, p = model.parameters
        hidden3 = 3 * l.hidden
        itemCount = l.itemCount
        typeCount = l.typeCount
        gapCount = l.gapCount
        directions = l.directions
        rowsPerDirection = l.itemCount + l.typeCount + l.gapCount
        let total = directions * rowsPerDirection * hidden3
        storage = .allocate(capacity: max(1, total))
        storage.initialize(repeating: 0, count: max(1, total))
        // With attributes, the item rows are built from each item's input embedding plus its attribute term.
        var itemInputs = UnsafePointer(p + l.itemIn)
        var combined: UnsafeMutablePointer<Float>?
        if l.attributeCount > 0 {
            let buffer = UnsafeMutablePointer<Float>.allocate(capacity: max(1, l.itemCount * l.embedding))
            buffer.initialize(from: p + l.itemIn, count: l.itemCount * l.embedding)
            for i in 0..<l.itemCount {
                model.itemFeatures.addTerm(item: i, table: p + l.attributeEmbedding, width: l.embedding,
                                           into: buffer + i * l.embedding)
            }
            combined = buffer
            itemInputs = UnsafePointer(buffer)
        }
        defer { combined?.deallocate() }
        for d in 0..<directions {
            let g = l.gru(d)
            let base = storage + d * rowsPerDirection * hidden3
            BLAS.gemm(transA: false, transB: false, m: l.itemCount, n: hidden3, k: l.embedding,
                      a: itemInputs, lda: l.embedding, b: p + g.wx, ldb: hidden3, c: base, ldc: hidden3)
            for r in 0..<l.itemCount {
                let row = base + r * hidden3
                for j in 0..<hidden3 { row[j] += p[g.bx + j] }
            }
            if l.typeDim > 0 {
                BLAS.gemm(transA: false, transB: false, m: l.typeCount, n: hidden3, k: l.typeDim,
                          a: p + l.typeEmbedding, lda: l.typeDim, b: p + g.wx + l.embedding * hidden3, ldb: hidden3,
                          c: base + l.itemCount * hidden3, ldc: hidden3)
            }
            if l.gapDim > 0 {
                BLAS.gemm(transA: false, transB: false, m: l.gapCount, n: hidden3, k: l.gapDim,
                          a: p + l.gapEmbedding, lda: l.gapDim, b: p + g.wx + (l.embedding + l.typeDim) * hidden3,
                          ldb: hidden3, c: base + (l.itemCount + l.typeCount) * hidden3, ldc: hidden3)
            }
        }
    }

    deinit { storage.deallocate() }

    /// Floats held.
    var floatCount: Int { directions * rowsPerDirection * hidden3 }

    /// Writes direction `d`'s input pre-activation of one step (`hidden3` floats).
    @inline(__always)
    func gather(direction d: Int, item: Int32, type: UInt8, gap: UInt8, into out: UnsafeMutablePointer<Float>) {
        let base = storage + d * rowsPerDirection * hidden3
        let a = base + Int(item) * hidden3
        let b = base + (itemCount + min(Int(type), typeCount - 1)) * hidden3
        let c = base + (itemCount + typeCount + min(Int(gap), gapCount - 1)) * hidden3
        for j in 0..<hidden3 { out[j] = a[j] + b[j] + c[j] }
    }
}
