/// Per-user sorted item lists for O(log n) "has the user seen this item" checks.
public struct SeenItems: Sendable {
    private let offsets: [Int]
    private let items: [Int32]

    /// Indexes the user → item pairs of `data`.
    public init(_ data: TrainingData) {
        var sorted = data.userItems
        for u in 0..<data.users {
            sorted[data.userOffsets[u]..<data.userOffsets[u + 1]].sort()
        }
        offsets = data.userOffsets
        items = sorted
    }

    /// Whether `user` has `item` in the training data.
    public func contains(user: Int, item: Int32) -> Bool {
        var lo = offsets[user], hi = offsets[user + 1]
        while lo < hi {
            let mid = (lo + hi) / 2
            if items[mid] < item { lo = mid + 1 } else { hi = mid }
        }
        return lo < offsets[user + 1] && items[lo] == item
    }

    /// The user's distinct items, ascending (may repeat if the data repeats a pair).
    public func items(of user: Int) -> ArraySlice<Int32> { items[offsets[user]..<offsets[user + 1]] }
}
