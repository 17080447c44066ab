/// A sparse user × item matrix of training interactions, kept as triples and as CSR in both directions.
///
/// Indices are dense (`0..<users`, `0..<items`). Duplicate pairs are kept as given (the learners
/// see them as repeated events).
public struct TrainingData: Sendable {
    /// Number of user rows.
    public let users: Int
    /// Number of item columns.
    public let items: Int
    /// User of each triple.
    public let userIndex: [Int32]
    /// Item of each triple.
    public let itemIndex: [Int32]
    /// Value of each triple (rating, or confidence weight).
    public let values: [Float]
    /// `userOffsets[u]..<userOffsets[u+1]` indexes `userItems` / `userValues`.
    public let userOffsets: [Int]
    /// Items of each user, in input order.
    public let userItems: [Int32]
    /// Values matching `userItems`.
    public let userValues: [Float]
    /// `itemOffsets[i]..<itemOffsets[i+1]` indexes `itemUsers` / `itemValues`.
    public let itemOffsets: [Int]
    /// Users of each item, in input order.
    public let itemUsers: [Int32]
    /// Values matching `itemUsers`.
    public let itemValues: [Float]

    /// Builds the matrix; throws ``ModelError`` (`invalidInput`) for mismatched lengths or out-of-range indices.
    public init(users: Int, items: Int, userIndex: [Int32], itemIndex: [Int32], values: [Float]) throws {
        guard userIndex.count == itemIndex.count, itemIndex.count == values.count else {
            throw ModelError(.invalidInput, "TrainingData: \(userIndex.count) users, \(itemIndex.count) items, \(values.count) values")
        }
        guard users >= 0, items >= 0 else { throw ModelError(.invalidInput, "TrainingData: negative size") }
        for k in userIndex.indices {
            let u = userIndex[k], i = itemIndex[k]
            guard u >= 0, Int(u) < users, i >= 0, Int(i) < items else {
                throw ModelError(.invalidInput, "TrainingData: pair \(k) (\(u), \(i)) outside \(users) x \(items)")
            }
            guard values[k].isFinite else { throw ModelError(.invalidInput, "TrainingData: value \(k) is not finite") }
        }
        self.users = users
        self.items = items
        self.userIndex = userIndex
        self.itemIndex = itemIndex
        self.values = values
        (userOffsets, userItems, userValues) = Self.csr(rows: users, rowIndex: userIndex, colIndex: itemIndex, values: values)
        (itemOffsets, itemUsers, itemValues) = Self.csr(rows: items, rowIndex: itemIndex, colIndex: userIndex, values: values)
    }

    /// Number of triples.
    public var count: Int { values.count }

    /// Events per user.
    public func userDegree(_ u: Int) -> Int { userOffsets[u + 1] - userOffsets[u] }

    /// Events per item.
    public func itemDegree(_ i: Int) -> Int { itemOffsets[i + 1] - itemOffsets[i] }

    /// Mean of all values (0 when empty).
    public var mean: Float {
        values.isEmpty ? 0 : Float(values.reduce(0.0) { $0 + Double($1) } / Double(values.count))
    }

    private static func csr(rows: Int, rowIndex: [Int32], colIndex: [Int32], values: [Float]) -> ([Int], [Int32], [Float]) {
        var offsets = [Int](repeating: 0, count: rows + 1)
        for r in rowIndex { offsets[Int(r) + 1] += 1 }
        for r in 0..<rows { offsets[r + 1] += offsets[r] }
        var cursor = offsets
        var cols = [Int32](repeating: 0, count: rowIndex.count)
        var vals = [Float](repeating: 0, count: rowIndex.count)
        for k in rowIndex.indices {
            let r = Int(rowIndex[k])
            cols[cursor[r]] = colIndex[k]
            vals[cursor[r]] = values[k]
            cursor[r] += 1
        }
        return (offsets, cols, vals)
    }
}
