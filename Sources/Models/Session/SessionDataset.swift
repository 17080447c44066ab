/// Per-user interaction sequences, item ids numbered densely from 0 (Evaluation's
/// `SessionDataset.load(path:)` reads them from an interaction file).
public struct SessionDataset: Sendable {
    /// One sequence per user, oldest first.
    public var sequences: [[SessionStep]]
    /// Number of distinct items (ids `0..<itemCount`).
    public var itemCount: Int
    /// Original (file) item id of each dense id.
    public var originalItemIds: [String]

    /// Creates a data set from sequences already numbered densely.
    public init(sequences: [[SessionStep]], itemCount: Int, originalItemIds: [String] = []) {
        self.sequences = sequences
        self.itemCount = itemCount
        self.originalItemIds = originalItemIds
    }

    /// Leave-one-out split: training on all but the last two steps, validation target the
    /// second-last, test target the last. Users with fewer than 3 steps are left out.
    public func leaveOneOutSplit() -> (training: [[SessionStep]], validation: [[SessionStep]], test: [[SessionStep]]) {
        var training: [[SessionStep]] = [], validation: [[SessionStep]] = [], test: [[SessionStep]] = []
        for s in sequences where s.count >= 3 {
            training.append(Array(s.dropLast(2)))
            validation.append(Array(s.dropLast()))
            test.append(s)
        }
        return (training, validation, test)
    }
}
