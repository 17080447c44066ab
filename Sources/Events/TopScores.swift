/// Keeps the `capacity` largest (score, id) pairs seen, with a binary min-heap.
struct TopScores {
    private var scores: [Float] = []
    private var ids: [Int32] = []
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        scores.reserveCapacity(capacity)
        ids.reserveCapacity(capacity)
    }

    /// Scores at or below this cannot enter: the smallest kept score once full, else -infinity.
    var threshold: Float { scores.count == capacity && capacity > 0 ? scores[0] : -.infinity }

    /// Offers one pair; ties keep the earlier id.
    @inline(__always)
    mutating func offer(_ score: Float, _ id: Int32) {
        if scores.count == capacity && !(score > scores.first ?? .infinity) { return }
        insert(score, id)
    }

    private mutating func insert(_ score: Float, _ id: Int32) {
        guard capacity > 0 else { return }
        if scores.count < capacity {
            scores.append(score)
            ids.append(id)
            var i = scores.count - 1
            while i > 0 {
                let parent = (i - 1) / 2
                guard scores[i] < scores[parent] else { break }
                scores.swapAt(i, parent)
                ids.swapAt(i, parent)
                i = parent
            }
        } else if score > scores[0] {
            scores[0] = score
            ids[0] = id
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var smallest = i
                if l < scores.count && scores[l] < scores[smallest] { smallest = l }
                if r < scores.count && scores[r] < scores[smallest] { smallest = r }
                if smallest == i { break }
                scores.swapAt(i, smallest)
                ids.swapAt(i, smallest)
                i = smallest
            }
        }
    }

    /// The kept ids, highest score first.
    func sortedDescending() -> [Int32] {
        zip(scores, ids).sorted { $0.0 > $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }.map(\.1)
    }
}
