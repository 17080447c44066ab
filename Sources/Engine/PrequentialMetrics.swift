import Foundation

/// Online (test-then-train) ranking quality: each event is scored against the list the user
/// was last shown, before the event is learned.
public struct PrequentialMetrics: Sendable {
    /// Cut-off K of the metrics.
    public let k: Int
    /// Events that had a published list to be scored against.
    public private(set) var evaluated: Int64 = 0
    /// Events whose item was in the top K of that list.
    public private(set) var hits: Int64 = 0
    /// Sum of NDCG@K gains (one relevant item: 1 / log2(rank + 2)).
    public private(set) var ndcgSum: Double = 0

    /// Creates empty metrics at cut-off `k`.
    public init(k: Int) { self.k = k }

    /// Records one event whose item stood at `rank` (0-based) in the list, or was absent (nil).
    public mutating func record(rank: Int?) {
        evaluated += 1
        guard let rank, rank < k else { return }
        hits += 1
        ndcgSum += 1 / log2(Double(rank) + 2)
    }

    /// HR@K so far (0 before any event was scored).
    public var hitRate: Double { evaluated == 0 ? 0 : Double(hits) / Double(evaluated) }
    /// NDCG@K so far.
    public var ndcg: Double { evaluated == 0 ? 0 : ndcgSum / Double(evaluated) }

    /// Restores counters from a checkpoint.
    public mutating func restore(evaluated: Int64, hits: Int64, ndcgSum: Double) {
        self.evaluated = evaluated
        self.hits = hits
        self.ndcgSum = ndcgSum
    }
}
