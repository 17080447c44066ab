import Events
import Linalg

/// Two taste clusters of twelve items each (`a0`…`a11`, `b0`…`b11`), with an attribute per
/// cluster (`taste-a`, `taste-b`): each user clicks nine items of their own cluster, three passes
/// in shuffled order. Users have seen most of their cluster, so an item placed in it ranks high.
public struct ClusterStream {
    /// Events in time order.
    public var events: [Event] = []
    /// Cluster (0 or 1) of each user.
    public var clusterOf: [String: Int] = [:]
    /// Items each user interacted with.
    public var seen: [String: Set<String>] = [:]
    /// The items of each cluster.
    public let clusterItems: [[String]] = [(0..<12).map { "a\($0)" }, (0..<12).map { "b\($0)" }]
    /// The attribute of each cluster's items.
    public static let attributes = ["taste-a", "taste-b"]

    /// `usersPerCluster` users in each cluster, from `seed`.
    public init(usersPerCluster: Int = 40, seed: UInt64 = 21) {
        var rng = SeededGenerator(seed: seed)
        var interactions: [(String, String)] = []
        for c in 0..<2 {
            for u in 0..<usersPerCluster {
                let user = "c\(c)u\(u)"
                clusterOf[user] = c
                var mine = Set<String>()
                while mine.count < 9 { mine.insert(clusterItems[c][rng.nextInt(below: 12)]) }
                for item in mine.sorted() { interactions.append((user, item)) }
            }
        }
        var ts: Int64 = 1_700_000_000_000
        for _ in 0..<3 {
            var order = interactions
            for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, rng.nextInt(below: i + 1)) }
            for (user, item) in order {
                ts += 1
                events.append(Event(user: user, item: item, type: .click, timestampMs: ts))
                seen[user, default: []].insert(item)
            }
        }
    }

    /// The item record of every cluster item: its cluster's attribute and one of its own.
    public var itemRecords: [ItemRecord] {
        (0..<2).flatMap { c in
            clusterItems[c].map { ItemRecord(item: $0, attributes: [Self.attributes[c], "sku-\($0)"]) }
        }
    }
}
