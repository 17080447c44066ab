/// The lazy Adam step of a training round with sampled negatives: only the rows of the item
/// tables (input and output embeddings, item bias) whose items the batch touched (its windows,
/// targets and sampled negatives), and the attribute rows of those items, are updated;
/// every other weight block is updated whole. The rows updated are zeroed in the gradient
/// afterwards, so the next batch starts from a zero gradient without clearing the whole buffer.
/// A round then costs the rows it touched rather than a pass over every table per batch, which
/// keeps the trainer's memory traffic, and so its toll on the pipeline sharing the memory bus, small.
struct LazyItemRows {
    private let layout: SessionParameterLayout
    /// Items touched by the current batch, and a per-item flag of the same.
    private var touched: [Int32] = []
    private var marked: [Bool]
    /// Each item's attribute rows (the model's `SessionItemFeatures`, which always fit its
    /// layout), the attribute rows of the touched items, and a per-row flag of the same.
    private let featureOffsets: [Int32]
    private let featureColumns: [Int32]
    private var touchedAttributes: [Int32] = []
    private var markedAttributes: [Bool]

    /// The rows of `model`'s tables and of its attribute input.
    init(model: BiGRUSessionModel) {
        layout = model.layout
        marked = [Bool](repeating: false, count: layout.itemCount)
        touched.reserveCapacity(4_096)
        featureOffsets = model.itemFeatures.offsets
        featureColumns = model.itemFeatures.columns
        markedAttributes = [Bool](repeating: false, count: layout.attributeCount)
    }

    /// Notes that the current batch reads item `item` (an input step, a target or a negative),
    /// and so the attribute rows of its input.
    mutating func note(_ item: Int32) {
        let i = Int(item)
        guard i >= 0, i < marked.count, !marked[i] else { return }
        marked[i] = true
        touched.append(item)
        guard i + 1 < featureOffsets.count else { return }
        for k in Int(featureOffsets[i])..<Int(featureOffsets[i + 1]) {
            let a = Int(featureColumns[k])
            if a >= 0, a < markedAttributes.count, !markedAttributes[a] {
                markedAttributes[a] = true
                touchedAttributes.append(Int32(a))
            }
        }
    }

    /// One Adam step over the touched item rows, their attribute rows and every other block; then zeroes what it updated in `gradient` and forgets the batch's items.
    mutating func step(_ adam: SessionAdam, parameters: UnsafeMutablePointer<Float>, gradient: UnsafeMutablePointer<Float>) {
        let e = layout.embedding
        let tied = layout.itemOut == layout.itemIn
        adam.beginStep()
        for item in touched {
            let i = Int(item)
            let input = (layout.itemIn + i * e)..<(layout.itemIn + (i + 1) * e)
            adam.update(parameters, gradient: gradient, range: input)
            zero(gradient, input)
            if !tied {
                let output = (layout.itemOut + i * e)..<(layout.itemOut + (i + 1) * e)
                adam.update(parameters, gradient: gradient, range: output)
                zero(gradient, output)
            }
            let bias = (layout.itemBias + i)..<(layout.itemBias + i + 1)
            adam.update(parameters, gradient: gradient, range: bias)
            gradient[layout.itemBias + i] = 0
            marked[i] = false
        }
        touched.removeAll(keepingCapacity: true)
        // Between the item tables and the attribute table: types, gaps, the GRUs, the projection.
        let dense = (layout.itemBias + layout.itemCount)..<layout.attributeEmbedding
        adam.update(parameters, gradient: gradient, range: dense)
        zero(gradient, dense)
        for a in touchedAttributes {
            let row = (layout.attributeEmbedding + Int(a) * e)..<(layout.attributeEmbedding + Int(a + 1) * e)
            adam.update(parameters, gradient: gradient, range: row)
            zero(gradient, row)
            markedAttributes[Int(a)] = false
        }
        touchedAttributes.removeAll(keepingCapacity: true)
        #if DEBUG
        for i in 0..<layout.total where gradient[i] != 0 {
            preconditionFailure("LazyItemRows: gradient left at parameter \(i): a block the batch wrote was not updated")
        }
        #endif
    }

    private func zero(_ gradient: UnsafeMutablePointer<Float>, _ range: Range<Int>) {
        (gradient + range.lowerBound).update(repeating: 0, count: range.count)
    }
}
