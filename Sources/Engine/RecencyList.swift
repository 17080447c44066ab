/// Rows in order of their last activity: an intrusive doubly linked list over two contiguous
/// `Int32` arrays (the row's older and newer neighbours), so marking a row active, dropping it and
/// taking the least recently active one are each a few array writes, with no allocation once the
/// arrays hold every row. Rows not in the list (never activated, or removed) are unlinked.
struct RecencyList: Sendable {
    private static let none: Int32 = -1
    private static let unlinked: Int32 = -2

    /// Older neighbour of each row (`none` for the oldest, `unlinked` for rows not in the list).
    private var older: [Int32] = []
    /// Newer neighbour of each row (`none` for the newest).
    private var newer: [Int32] = []
    /// The least recently active row (`none` when empty).
    private(set) var oldest: Int32 = -1
    /// The most recently active row (`none` when empty).
    private(set) var newest: Int32 = -1
    /// Rows in the list.
    private(set) var count = 0

    /// Creates an empty list.
    init() {}

    /// Rows the list can hold (`0..<capacity`).
    var capacity: Int { older.count }

    /// Makes room for rows up to `rows - 1`; the new rows are not in the list.
    mutating func grow(to rows: Int) {
        while older.count < rows {
            older.append(Self.unlinked)
            newer.append(Self.none)
        }
    }

    /// Whether `row` is in the list.
    func contains(_ row: Int32) -> Bool {
        Int(row) < older.count && older[Int(row)] != Self.unlinked
    }

    /// Makes `row` the most recently active (adding it when it is not in the list).
    mutating func touch(_ row: Int32) {
        if row == newest { return }
        if contains(row) { unlink(row) }
        let r = Int(row)
        older[r] = newest
        newer[r] = Self.none
        if newest != Self.none { newer[Int(newest)] = row } else { oldest = row }
        newest = row
        count += 1
    }

    /// Takes `row` out of the list (nothing when it is not in it).
    mutating func remove(_ row: Int32) {
        if contains(row) { unlink(row) }
    }

    /// Takes the least recently active row out of the list and returns it (nil when empty).
    mutating func removeOldest() -> Int32? {
        guard oldest != Self.none else { return nil }
        let row = oldest
        unlink(row)
        return row
    }

    /// The next less recently active row after `row` (a row in the list), or -1 after the oldest:
    /// walking from `newest` visits the rows newest first.
    func olderNeighbour(of row: Int32) -> Int32 {
        let r = older[Int(row)]
        return r < 0 ? -1 : r
    }

    /// The rows from the least to the most recently active (a copy; for checks and tests).
    var rowsOldestFirst: [Int32] {
        var rows: [Int32] = []
        rows.reserveCapacity(count)
        var r = oldest
        while r != Self.none {
            rows.append(r)
            r = newer[Int(r)]
        }
        return rows
    }

    private mutating func unlink(_ row: Int32) {
        let r = Int(row)
        let before = older[r], after = newer[r]
        if before != Self.none { newer[Int(before)] = after } else { oldest = after }
        if after != Self.none { older[Int(after)] = before } else { newest = before }
        older[r] = Self.unlinked
        newer[r] = Self.none
        count -= 1
    }
}
