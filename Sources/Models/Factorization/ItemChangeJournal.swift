/// The item rows an ``OnlineMF`` changed since they were last taken: a flag per row and the
/// flagged rows in the order they changed. Marking is one load and, the first time, a store and
/// an append; nothing is allocated once the arrays have grown to the item count.
/// Not thread-safe: the learner's owner uses it.
public final class ItemChangeJournal {
    @exclusivity(unchecked) private var flagged: [Bool] = []
    @exclusivity(unchecked) private var rows: [Int32] = []

    /// Creates an empty journal.
    public init() {}

    /// Rows flagged now.
    public var count: Int { rows.count }

    /// Flags `row` (once, until taken).
    @inline(__always)
    public func mark(_ row: Int) {
        if row >= flagged.count {
            flagged += Array(repeating: false, count: max(row + 1 - flagged.count, flagged.count))
        }
        if flagged[row] { return }
        flagged[row] = true
        rows.append(Int32(row))
    }

    /// Hands each flagged row to `body`, in the order they were first flagged, and empties the
    /// journal; allocates nothing.
    public func drain(_ body: (Int) -> Void) {
        for r in rows {
            flagged[Int(r)] = false
            body(Int(r))
        }
        rows.removeAll(keepingCapacity: true)
    }

    /// The flagged rows, in the order they were first flagged; the journal is empty afterwards.
    public func take() -> [Int32] {
        let taken = rows
        for r in taken { flagged[Int(r)] = false }
        rows.removeAll(keepingCapacity: true)
        return taken
    }
}
