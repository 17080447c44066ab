import Events
import Linalg

/// Two taste groups with their own items, plus noise items everyone touches a little.
public struct PlantedStream {
        public var events: [Event] = []
        public var groupOf: [String: Int] = [:]
        public var seen: [String: Set<String>] = [:]
        public let groupItems: [[String]] = [(0..<30).map { "a\($0)" }, (0..<30).map { "b\($0)" }]

        public init(usersPerGroup: Int = 60, seed: UInt64 = 11) {
            var rng = SeededGenerator(seed: seed)
            let noise = (0..<200).map { "n\($0)" }
            var interactions: [(String, String)] = []
            for g in 0..<2 {
                for u in 0..<usersPerGroup {
                    let user = "g\(g)u\(u)"
                    groupOf[user] = g
                    var mine = Set<String>()
                    while mine.count < 10 { mine.insert(groupItems[g][rng.nextInt(below: 30)]) }
                    for _ in 0..<2 { mine.insert(noise[rng.nextInt(below: noise.count)]) }
                    for item in mine.sorted() { interactions.append((user, item)) }
                }
            }
            // The probe: a group-0 user with the first ten group-0 items and nothing else.
            groupOf["probe"] = 0
            for item in groupItems[0].prefix(10) { interactions.append(("probe", item)) }
            // Three passes in shuffled order: repeated views and clicks of the same items.
            var ts: Int64 = 1_700_000_000_000
            for pass in 0..<3 {
                var order = interactions
                for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, rng.nextInt(below: i + 1)) }
                for (user, item) in order {
                    ts += 1
                    events.append(Event(user: user, item: item, type: pass == 0 ? .view : .click, timestampMs: ts))
                    seen[user, default: []].insert(item)
                }
            }
        }
    }

