import Linalg

/// A train/test partition of an ``Interactions`` table by row index.
public struct Split: Sendable, Equatable {
    /// Rows to learn from.
    public var train: [Int]
    /// Rows to evaluate on.
    public var test: [Int]

    /// Creates a split.
    public init(train: [Int], test: [Int]) {
        self.train = train
        self.test = test
    }
}

/// The splitting rules of the protocols.
public enum Splits {
    /// Holds out the last `count` events of each user by time (file order breaks ties); users with
    /// `count` events or fewer keep everything in training and have no test rows.
    public static func leaveLastOut(_ data: Interactions, count: Int) -> Split {
        var train: [Int] = [], test: [Int] = []
        train.reserveCapacity(data.count)
        for rows in data.rowsByUser() {
            if rows.count > count {
                train.append(contentsOf: rows.dropLast(count))
                test.append(contentsOf: rows.suffix(count))
            } else {
                train.append(contentsOf: rows)
            }
        }
        return Split(train: train.sorted(), test: test.sorted())
    }

    /// Random `k`-fold partition of the rows (fixed by `seed`): fold f tests on every k-th shuffled row.
    public static func kFold(_ data: Interactions, folds k: Int, seed: UInt64) -> [Split] {
        precondition(k >= 2, "kFold needs at least two folds")
        var order = Array(0..<data.count)
        var rng = SeededGenerator(seed: seed)
        order.shuffle(using: &rng)
        return (0..<k).map { f in
            var train: [Int] = [], test: [Int] = []
            for (pos, row) in order.enumerated() {
                if pos % k == f { test.append(row) } else { train.append(row) }
            }
            return Split(train: train.sorted(), test: test.sorted())
        }
    }

    /// Random holdout of `fraction` of `rows` (validation inside a training part).
    public static func holdout(_ rows: [Int], fraction: Double, seed: UInt64) -> Split {
        var order = rows
        var rng = SeededGenerator(seed: seed)
        order.shuffle(using: &rng)
        let n = Int(Double(order.count) * fraction)
        return Split(train: Array(order[n...]).sorted(), test: Array(order[..<n]).sorted())
    }
}
