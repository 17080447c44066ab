extension RecommenderCore {
    /// An estimate of the bytes the state holds: factor matrices, biases, per-user bookkeeping,
    /// seen sets, id strings and popularity. Deterministic (unlike RSS), for caps and metrics.
    public var estimatedStateBytes: Int {
        var bytes = model.userFactors.allocatedBytes + model.itemFactors.allocatedBytes
        bytes += (model.userBias.capacity + model.itemBias.capacity) * 4
        bytes += (model.userCount.capacity + model.itemCount.capacity) * 4
        let perUserFixed = 4 + 8 + 8 + 12 + 4 + 1 + 8 + 8 + 3 * 8  // counts, times, source, flags, recency links, array headers
        bytes += table.count * perUserFixed
        for u in 0..<table.count {
            bytes += table.seen[u].capacity * 4 + table.lastList[u].capacity * 4
        }
        for id in users.ids { bytes += id.utf8.count + 16 + 24 }  // string + dictionary entry
        for id in items.ids { bytes += id.utf8.count + 16 + 24 }
        bytes += popularity.count * 4
        return bytes
    }
}
