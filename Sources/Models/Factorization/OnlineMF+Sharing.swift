extension OnlineMF {
    /// Adds another learner's change to item row `item`: `vector` (`factors` floats) to its
    /// vector, `bias` to its bias and `count` to its event count. Not noted in `itemChanges`
    /// (it is not this learner's change to share), noted in `itemRowChanges`.
    public func addToItem(_ item: Int32, vector: UnsafePointer<Float>, bias: Float, count: Int32) {
        precondition(item >= 0 && Int(item) < items, "OnlineMF.addToItem: index out of range")
        let row = itemFactors.row(Int(item))
        for k in 0..<factors { row[k] += vector[k] }
        itemBias[Int(item)] += bias
        itemCount[Int(item)] &+= count
        itemRowChanges?.mark(Int(item))
    }

    /// Adds another learner's explicit ratings to μ: `events` ratings whose values sum to `sum`.
    public func addRatings(events: Int64, sum: Double) {
        guard events != 0 || sum != 0 else { return }
        let total = eventCount + events
        guard total > 0 else { return }
        globalMean = Float((Double(globalMean) * Double(eventCount) + sum) / Double(total))
        eventCount = total
    }
}
