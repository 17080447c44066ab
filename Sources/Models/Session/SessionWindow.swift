/// A user's most recent interactions, oldest first, in fixed storage (a ring buffer of `capacity` steps).
///
/// Appending when full overwrites the oldest step; no call allocates after `init`.
public struct SessionWindow: Sendable, Equatable {
    private var items: [Int32]
    private var types: [UInt8]
    private var timestamps: [Int64]
    /// Index of the oldest step in the storage.
    private var head = 0
    /// Number of steps held, at most `capacity`.
    public private(set) var count = 0

    private static let noTimestamp = Int64.min

    /// Creates an empty window holding at most `capacity` steps (at least one).
    public init(capacity: Int) {
        let c = max(1, capacity)
        items = [Int32](repeating: -1, count: c)
        types = [UInt8](repeating: 0, count: c)
        timestamps = [Int64](repeating: Self.noTimestamp, count: c)
    }

    /// Maximum number of steps held.
    public var capacity: Int { items.count }

    /// True when no step is held.
    public var isEmpty: Bool { count == 0 }

    /// Appends the newest step, dropping the oldest when full.
    public mutating func append(_ step: SessionStep) {
        let slot: Int
        if count < capacity {
            slot = (head + count) % capacity
            count += 1
        } else {
            slot = head
            head = (head + 1) % capacity
        }
        items[slot] = step.item
        types[slot] = step.type
        timestamps[slot] = step.timestampMs ?? Self.noTimestamp
    }

    /// The step at `position`, 0 being the oldest held.
    public subscript(position: Int) -> SessionStep {
        precondition(position >= 0 && position < count, "SessionWindow index out of range")
        let slot = (head + position) % capacity
        let ts = timestamps[slot]
        return SessionStep(item: items[slot], type: types[slot], timestampMs: ts == Self.noTimestamp ? nil : ts)
    }

    /// The held steps, oldest first (allocates; for inspection and tests).
    public var steps: [SessionStep] { (0..<count).map { self[$0] } }

    /// The newest step, if any.
    public var last: SessionStep? { count == 0 ? nil : self[count - 1] }

    /// Two windows are equal when they hold the same steps in the same order and have the same capacity.
    public static func == (a: SessionWindow, b: SessionWindow) -> Bool {
        guard a.capacity == b.capacity, a.count == b.count else { return false }
        for i in 0..<a.count where a[i] != b[i] { return false }
        return true
    }

    /// Appends the held steps, oldest first, to flat arrays (a missing time as `Int64.min`), a
    /// block copy per array and ring segment.
    public func appendSteps(items outItems: inout [Int32], types outTypes: inout [UInt8], times outTimes: inout [Int64]) {
        let first = min(count, capacity - head), rest = count - first
        outItems.append(contentsOf: items[head..<(head + first)])
        outTypes.append(contentsOf: types[head..<(head + first)])
        outTimes.append(contentsOf: timestamps[head..<(head + first)])
        if rest > 0 {
            outItems.append(contentsOf: items[0..<rest])
            outTypes.append(contentsOf: types[0..<rest])
            outTimes.append(contentsOf: timestamps[0..<rest])
        }
    }

    /// Held steps whose item index is below `limit`.
    public func countItems(below limit: Int32) -> Int {
        var n = 0
        let first = min(count, capacity - head)
        for k in head..<(head + first) where items[k] < limit { n += 1 }
        for k in 0..<(count - first) where items[k] < limit { n += 1 }
        return n
    }

    /// Forgets every step (keeps the storage).
    public mutating func removeAll() {
        head = 0
        count = 0
    }

    /// Writes the newest `maxCount` steps oldest first, with gap buckets computed from consecutive
    /// timestamps (bucket 0 for the first written step and where a timestamp is missing).
    /// Returns the number written.
    public func copyOrdered(
        items outItems: UnsafeMutablePointer<Int32>, types outTypes: UnsafeMutablePointer<UInt8>,
        gaps outGaps: UnsafeMutablePointer<UInt8>, maxCount: Int, configuration: SessionModelConfiguration
    ) -> Int {
        let n = min(count, maxCount)
        let skip = count - n
        var previous = Self.noTimestamp
        for i in 0..<n {
            let slot = (head + skip + i) % capacity
            outItems[i] = items[slot]
            outTypes[i] = types[slot]
            let ts = timestamps[slot]
            if i == 0 || ts == Self.noTimestamp || previous == Self.noTimestamp {
                outGaps[i] = 0
            } else {
                outGaps[i] = configuration.gapBucket(milliseconds: ts - previous)
            }
            previous = ts
        }
        return n
    }
}
