import Linalg

extension BiGRUSessionModel {
    /// Writes the output embedding (`sessionDimension` floats) and the bias of session item
    /// `items[r]` into row `r` of `embeddings` and `bias`, for each of `items.count` rows; rows
    /// whose item is outside `0..<itemCount` get zeros (score 0 for every session vector). The
    /// serving side builds its item-ordered score table with it, so one sgemm gives the session
    /// scores of its own item rows with no mapping pass.
    public func copyOutputRows(items: UnsafeBufferPointer<Int32>, embeddings: UnsafeMutablePointer<Float>,
                               bias: UnsafeMutablePointer<Float>) {
        let l = layout, e = l.embedding
        for (r, item) in items.enumerated() {
            let s = Int(item)
            if s >= 0 && s < l.itemCount {
                (embeddings + r * e).update(from: parameters + l.itemOut + s * e, count: e)
                bias[r] = parameters[l.itemBias + s]
            } else {
                (embeddings + r * e).update(repeating: 0, count: e)
                bias[r] = 0
            }
        }
    }
}
