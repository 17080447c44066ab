/// The lazy Adam step of a training round with sampled negatives: only the rows of the item
/// tables (input and output embeddings, item bias) whose items the batch touched (its windows,
/// targets and sampled negatives), and the attribute rows of those items, are updated;
/// every other weight block is updated whole. The rows updated are zeroed in the gradient
/// afterwards, so the next batch starts from a zero gradient without clearing the whole buffer.
/// A round then costs the rows it touched rather than a pass over every table per batch, which
/// keeps the trainer's memory traffic (shared with the pipeline's core) small.
struct LazyItemRows {
    private let layout: SessionParameterLayout
    /// Items touched by the current batch, and a per-item flag of the same.
    private var touched: [Int32] = []
    private var marked: [Bool]
    /// Each item's attribute rows (`SessionItemFeatures`; empty offsets: no attribute input), the
    /// attribute rows of the touched items, and a per-row flag of the same.
    private let featureOffsets: [Int32]
    private let featureColumns: [Int32]
    private var touchedAttributes: [Int32] = []
    private var markedAttributes: [Bool]

    init(layout: SessionParameterLayout, features: SessionItemFeatures? = nil) {
        self.layout = layout
        marked = [Bool](repeating: false, count: layout.itemCount)
        touched.reserveCapacity(4_096)
        let usable = layout.attributeCount > 0 && features.map { $0.itemCount == layout.itemCount } == true
        featureOffsets = usable ? features!.offsets : []
        featureColumns = usable ? features!.columns : []
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

    /// One Adam step over the touched item rows, the attribute rows with a gradient and every
    /// other block; then zeroes what it updated in `gradient` and forgets the batch's items.
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
        if featureOffsets.isEmpty {
            // Attribute rows not known per item: those with a gradient.
            var row = layout.attributeEmbedding
            while row < layout.total {
                let range = row..<(row + e)
                if range.contains(where: { gradient[$0] != 0 }) {
                    adam.update(parameters, gradient: gradient, range: range)
                    zero(gradient, range)
                }
                row += e
            }
        } else {
            for a in touchedAttributes {
                let start = layout.attributeEmbedding + Int(a) * e
                adam.update(parameters, gradient: gradient, range: start..<(start + e))
                zero(gradient, start..<(start + e))
                markedAttributes[Int(a)] = false
            }
            touchedAttributes.removeAll(keepingCapacity: true)
        }
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
