extension OnlineMF {
    /// Sets item row `item`'s vector (`factors` floats from `vector`) and bias, leaving its event
    /// count alone: a vector made from the item's side information before it has events of its own.
    public func setItem(_ item: Int32, factors vector: UnsafePointer<Float>, bias: Float) {
        precondition(item >= 0 && Int(item) < items, "OnlineMF.setItem: index out of range")
        itemFactors.row(Int(item)).update(from: vector, count: factors)
        itemBias[Int(item)] = bias
        itemRowChanges?.mark(Int(item))
    }
}
