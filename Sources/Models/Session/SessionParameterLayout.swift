/// Offsets of every weight block inside the model's one flat Float buffer.
///
/// Order: input item embeddings, output item embeddings (aliased to the input ones when tied),
/// item bias, type embeddings, gap embeddings, then per direction (forward, backward)
/// `Wx` (D×3H), `Uh` (H×3H), `bx` (3H), `bhn` (H), then the projection `P` (S×E) and its bias (E),
/// and last the attribute table (attributeCount × E; empty without attributes, so a model without
/// them has the layout it had before the attribute input existed). Gate columns are ordered update z, reset r, candidate n.
struct SessionParameterLayout: Sendable {
    let itemCount: Int
    let embedding: Int
    let hidden: Int
    let typeCount: Int
    let typeDim: Int
    let gapCount: Int
    let gapDim: Int
    let attributeCount: Int
    let inputDim: Int
    let directions: Int
    let stateDim: Int

    let itemIn: Int
    let itemOut: Int
    let itemBias: Int
    let typeEmbedding: Int
    let gapEmbedding: Int
    let wx: (Int, Int)
    let uh: (Int, Int)
    let bx: (Int, Int)
    let bhn: (Int, Int)
    let projection: Int
    let projectionBias: Int
    let attributeEmbedding: Int
    let total: Int

    init(_ c: SessionModelConfiguration) {
        itemCount = c.itemCount
        embedding = c.embeddingDimension
        hidden = c.hiddenSize
        typeCount = c.typeCount
        typeDim = c.typeEmbeddingDimension
        gapCount = c.gapBucketCount
        gapDim = c.gapEmbeddingDimension
        attributeCount = c.attributeCount
        inputDim = c.inputDimension
        directions = c.forwardOnly ? 1 : 2
        stateDim = c.stateDimension
        let h3 = 3 * hidden
        var offset = 0
        func take(_ n: Int) -> Int { defer { offset += n }; return offset }
        itemIn = take(itemCount * embedding)
        itemOut = c.tiedEmbeddings ? itemIn : take(itemCount * embedding)
        itemBias = take(itemCount)
        typeEmbedding = take(typeCount * typeDim)
        gapEmbedding = take(gapCount * gapDim)
        var w = [Int](), u = [Int](), b = [Int](), n = [Int]()
        for _ in 0..<directions {
            w.append(take(inputDim * h3))
            u.append(take(hidden * h3))
            b.append(take(h3))
            n.append(take(hidden))
        }
        wx = (w[0], directions > 1 ? w[1] : -1)
        uh = (u[0], directions > 1 ? u[1] : -1)
        bx = (b[0], directions > 1 ? b[1] : -1)
        bhn = (n[0], directions > 1 ? n[1] : -1)
        projection = take(stateDim * embedding)
        projectionBias = take(embedding)
        attributeEmbedding = take(attributeCount * embedding)
        total = offset
    }

    /// Offsets of direction `d`'s GRU blocks.
    @inline(__always)
    func gru(_ d: Int) -> (wx: Int, uh: Int, bx: Int, bhn: Int) {
        d == 0 ? (wx.0, uh.0, bx.0, bhn.0) : (wx.1, uh.1, bx.1, bhn.1)
    }
}
