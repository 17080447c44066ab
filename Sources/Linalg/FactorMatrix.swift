/// Row-major, growable matrix of `Float` kept in one contiguous buffer.
///
/// Rows are appended as new users or items appear; a row's storage is
/// `cols` consecutive floats starting at `row * cols`, so a whole block of rows
/// can be handed to BLAS without copying. Not thread-safe: one owner mutates it.
public final class FactorMatrix {
    /// Number of columns (the factor dimension).
    public let cols: Int
    /// Number of rows in use.
    public private(set) var rows: Int
    /// Number of rows the buffer can hold before it grows.
    public private(set) var capacity: Int
    /// Start of the storage; valid until the next call that grows the matrix.
    public private(set) var base: UnsafeMutablePointer<Float>

    /// Creates an empty matrix with room for `capacity` rows of `cols` floats.
    public init(cols: Int, capacity: Int = 1024) {
        precondition(cols > 0, "FactorMatrix needs at least one column")
        self.cols = cols
        self.rows = 0
        self.capacity = max(1, capacity)
        self.base = .allocate(capacity: self.capacity * cols)
        self.base.initialize(repeating: 0, count: self.capacity * cols)
    }

    deinit { base.deallocate() }

    /// Pointer to the first float of `row`.
    @inlinable
    public func row(_ row: Int) -> UnsafeMutablePointer<Float> {
        base + row * cols
    }

    /// A read-only view of one row.
    @inlinable
    public func rowBuffer(_ row: Int) -> UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(start: base + row * cols, count: cols)
    }

    /// Appends one row filled by `fill` and returns its index.
    @discardableResult
    public func appendRow(_ fill: (UnsafeMutableBufferPointer<Float>) -> Void) -> Int {
        if rows == capacity { grow(to: capacity * 2) }
        let index = rows
        rows += 1
        let buffer = UnsafeMutableBufferPointer(start: row(index), count: cols)
        buffer.update(repeating: 0)
        fill(buffer)
        return index
    }

    /// Appends a row of zeros and returns its index.
    @discardableResult
    public func appendZeroRow() -> Int { appendRow { _ in } }

    /// Ensures room for at least `rowCapacity` rows.
    public func reserve(_ rowCapacity: Int) {
        if rowCapacity > capacity { grow(to: rowCapacity) }
    }

    /// Drops every row (keeps the allocation).
    public func removeAll() { rows = 0 }

    /// Bytes held by the buffer.
    public var allocatedBytes: Int { capacity * cols * MemoryLayout<Float>.stride }

    /// A copy of all rows in use, row-major.
    public func toArray() -> [Float] {
        Array(UnsafeBufferPointer(start: base, count: rows * cols))
    }

    /// Replaces the contents with `values` (row-major, `values.count` a multiple of `cols`).
    public func load(_ values: [Float]) {
        precondition(values.count % cols == 0, "FactorMatrix.load: size is not a multiple of cols")
        let newRows = values.count / cols
        reserve(newRows)
        values.withUnsafeBufferPointer { src in
            base.update(from: src.baseAddress!, count: values.count)
        }
        rows = newRows
    }

    /// Moves the rows in use to a buffer of `newCapacity` rows. The rows past `rows` are left
    /// as they come (`appendRow` writes each before it is used), so reserving room for many
    /// users at once does not write, and fault in, the whole buffer.
    private func grow(to newCapacity: Int) {
        let fresh = UnsafeMutablePointer<Float>.allocate(capacity: newCapacity * cols)
        fresh.initialize(from: base, count: rows * cols)
        base.deallocate()
        base = fresh
        capacity = newCapacity
    }
}
