/// Partial top-K selection over a score buffer: a bounded min-heap, O(n log k), no full sort.
///
/// Reuse one selector per thread: its heap storage is allocated once.
/// Ties break toward the lower index, so results are deterministic.
public struct TopKSelector {
    @usableFromInline var heapIndex: [Int32]
    @usableFromInline var heapScore: [Float]
    @usableFromInline var count = 0
    /// Largest K this selector was prepared for.
    public let capacity: Int

    /// Prepares a selector for at most `capacity` results.
    public init(capacity: Int) {
        self.capacity = max(1, capacity)
        heapIndex = [Int32](repeating: 0, count: self.capacity)
        heapScore = [Float](repeating: 0, count: self.capacity)
    }

    /// `a` ranks below `b`: lower score, or equal score and higher index.
    @inline(__always)
    private static func below(_ sa: Float, _ ia: Int32, _ sb: Float, _ ib: Int32) -> Bool {
        sa < sb || (sa == sb && ia > ib)
    }

    /// Selects the `k` best entries of `scores`, skipping indices for which
    /// `exclude` returns true and non-finite scores; returns them best first.
    @inlinable
    public mutating func select(
        _ scores: UnsafeBufferPointer<Float>, k: Int, exclude: (Int) -> Bool = { _ in false }
    ) -> [(index: Int, score: Float)] {
        var out: [(index: Int, score: Float)] = []
        select(scores, k: k, exclude: exclude) { out.append(($0, $1)) }
        return out
    }

    /// Same as `select(_:k:exclude:)` but hands each result, best first, to `emit`.
    @inlinable
    public mutating func select(
        _ scores: UnsafeBufferPointer<Float>, k: Int,
        exclude: (Int) -> Bool, emit: (Int, Float) -> Void
    ) {
        let k = min(k, capacity)
        guard k > 0 else { return }
        resetHeap()
        // The heap's minimum, kept in a local so most scores are rejected by one comparison
        // without a call (ties need the index rule, so equal scores go through `offer`).
        var floor = -Float.infinity
        for i in 0..<scores.count {
            let s = scores[i]
            if count == k && s < floor { continue }
            if !s.isFinite || exclude(i) { continue }
            offer(Int32(i), s, k: k)
            if count == k { floor = heapScore[0] }
        }
        drain(emit)
    }

    @usableFromInline
    mutating func resetHeap() { count = 0 }

    @usableFromInline
    mutating func offer(_ index: Int32, _ score: Float, k: Int) {
        if count < k {
            heapIndex[count] = index
            heapScore[count] = score
            count += 1
            siftUp(count - 1)
        } else if Self.below(heapScore[0], heapIndex[0], score, index) {
            heapIndex[0] = index
            heapScore[0] = score
            siftDown(0)
        }
    }

    @usableFromInline
    mutating func drain(_ emit: (Int, Float) -> Void) {
        // Pop the min repeatedly into the tail, then emit from the front: best first.
        var n = count
        while n > 1 {
            heapIndex.swapAt(0, n - 1)
            heapScore.swapAt(0, n - 1)
            n -= 1
            siftDown(0, limit: n)
        }
        for i in 0..<count { emit(Int(heapIndex[i]), heapScore[i]) }
        count = 0
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            if Self.below(heapScore[child], heapIndex[child], heapScore[parent], heapIndex[parent]) {
                heapIndex.swapAt(child, parent)
                heapScore.swapAt(child, parent)
                child = parent
            } else { return }
        }
    }

    private mutating func siftDown(_ start: Int, limit: Int? = nil) {
        let n = limit ?? count
        var parent = start
        while true {
            let left = 2 * parent + 1
            if left >= n { return }
            var smallest = left
            let right = left + 1
            if right < n && Self.below(heapScore[right], heapIndex[right], heapScore[left], heapIndex[left]) {
                smallest = right
            }
            if Self.below(heapScore[smallest], heapIndex[smallest], heapScore[parent], heapIndex[parent]) {
                heapIndex.swapAt(smallest, parent)
                heapScore.swapAt(smallest, parent)
                parent = smallest
            } else { return }
        }
    }
}
