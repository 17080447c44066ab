/// Partial top-K selection over a score buffer: a bounded min-heap, O(n log k), no full sort.
///
/// Reuse one selector per thread: its heap storage is allocated once.
/// Ties break toward the lower index, so results are deterministic.
public struct TopKSelector {
    @usableFromInline var heapIndex: [Int32]
    @usableFromInline var heapScore: [Float]
    @usableFromInline var count = 0
    /// K of the selection in progress (`begin` … `finish`).
    @usableFromInline var streamK = 0
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
        begin(k: k)
        feed(scores, startIndex: 0, exclude: exclude)
        finish(emit)
    }

    /// Starts a selection fed in pieces (`feed`, then `finish`): the result equals one `select`
    /// over the pieces concatenated in index order.
    @inlinable
    public mutating func begin(k: Int) {
        resetHeap()
        streamK = min(k, capacity)
    }

    /// Offers `scores`, whose first entry has index `startIndex`, to the selection begun by
    /// `begin`; `exclude` and non-finite scores skip an entry as in `select`. Pieces must come
    /// in increasing index order.
    @inlinable
    public mutating func feed(
        _ scores: UnsafeBufferPointer<Float>, startIndex: Int, exclude: (Int) -> Bool
    ) {
        let k = streamK
        guard k > 0, let base = scores.baseAddress else { return }
        let n = scores.count
        // The heap's minimum, kept in a local so most scores are rejected by one comparison
        // without a call (ties need the index rule, so equal scores go through `offer`). Once
        // the heap is full, 16 scores at a time that all lie below it are skipped together.
        var floor = count == k ? heapScore[0] : -Float.infinity
        var i = 0
        while i < n {
            var end = n
            if count == k {
                if i + Self.lanes <= n {
                    let block = UnsafeRawPointer(base + i).loadUnaligned(as: SIMD16<Float>.self)
                    if Self.allBelow(block, floor) {
                        i += Self.lanes
                        continue
                    }
                    end = i + Self.lanes
                }
            } else {
                end = min(n, i + k - count)
            }
            while i < end {
                let s = base[i]
                i += 1
                if count == k && s < floor { continue }
                if !s.isFinite || exclude(startIndex + i - 1) { continue }
                offer(Int32(startIndex + i - 1), s, k: k)
                if count == k { floor = heapScore[0] }
            }
        }
    }

    /// Ends a selection begun by `begin`: hands each result, best first, to `emit`.
    @inlinable
    public mutating func finish(_ emit: (Int, Float) -> Void) {
        guard streamK > 0 else { return }
        drain(emit)
        streamK = 0
    }

    /// `finish` collecting the results.
    @inlinable
    public mutating func finish() -> [(index: Int, score: Float)] {
        var out: [(index: Int, score: Float)] = []
        out.reserveCapacity(count)
        finish { out.append(($0, $1)) }
        return out
    }

    /// Scores checked together by `feed` once the heap is full.
    @usableFromInline static let lanes = 16

    /// Whether no lane of `block` reaches `floor`. A NaN lane counts as below: right, since a
    /// non-finite score is never selected. (One vector compare; the generic SIMD reductions
    /// such as `pointwiseMax` are not vectorized.)
    @inlinable @inline(__always)
    static func allBelow(_ block: SIMD16<Float>, _ floor: Float) -> Bool {
        (block .>= SIMD16<Float>(repeating: floor)) == SIMDMask<SIMD16<Int32>>(repeating: false)
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
