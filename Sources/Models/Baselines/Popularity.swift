/// Most-popular baseline: every user gets the items with the most training events (optionally
/// weighted by value). Also the cold-user fallback of the ranker.
public final class Popularity {
    /// Score of each item: its (weighted) event count.
    public private(set) var counts: [Float]

    /// Counts the items of `data`; `weighted` sums values instead of counting events.
    public init(_ data: TrainingData, weighted: Bool = false) {
        var c = [Float](repeating: 0, count: data.items)
        for k in 0..<data.count { c[Int(data.itemIndex[k])] += weighted ? data.values[k] : 1 }
        counts = c
    }

    /// Number of items.
    public var items: Int { counts.count }

    /// Writes each item's popularity into `scores`.
    public func scoreAll(user _: Int32, into scores: UnsafeMutableBufferPointer<Float>) {
        for j in 0..<counts.count { scores[j] = counts[j] }
    }
}
