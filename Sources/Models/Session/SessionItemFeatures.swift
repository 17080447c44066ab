/// Side features of the session model's items: a sparse item × feature matrix (compressed rows)
/// whose row `i` says how item `i`'s attribute term is made from the rows of the model's learned
/// attribute table, `attributeTerm(i) = Σ_j value[i, j] · table[column[i, j]]`.
///
/// With the default weights a row is the mean of the item's attribute embeddings (every value
/// `1 / count`); an autoencoder's code (``AttributeAutoencoder``) is a dense row of code values.
/// Items with an empty row get no attribute term. Immutable; the arrays are contiguous and read
/// in place, so adding or back-propagating a term allocates nothing.
public struct SessionItemFeatures: Sendable, Equatable {
    /// Rows (items).
    public let itemCount: Int
    /// Columns (rows of the attribute table).
    public let featureCount: Int
    /// Row `i` spans `offsets[i] ..< offsets[i + 1]` of `columns` and `values`.
    public let offsets: [Int32]
    /// Feature index of each stored entry.
    public let columns: [Int32]
    /// Weight of each stored entry.
    public let values: [Float]

    /// No item has features.
    public static func empty(itemCount: Int) -> SessionItemFeatures {
        SessionItemFeatures(unchecked: itemCount, featureCount: 0, offsets: [Int32](repeating: 0, count: itemCount + 1),
                            columns: [], values: [])
    }

    /// The mean-of-attributes rows: item `i` averages the attributes `attributes[i]` (duplicates
    /// counted once; an empty list gives no term). Throws `invalidInput` for an attribute outside
    /// `0..<featureCount`.
    public init(featureCount: Int, attributes: [[Int32]]) throws {
        var offsets: [Int32] = [0], columns: [Int32] = [], values: [Float] = []
        offsets.reserveCapacity(attributes.count + 1)
        for (i, list) in attributes.enumerated() {
            var unique = Array(Set(list))
            unique.sort()
            if let bad = unique.first(where: { $0 < 0 || Int($0) >= featureCount }) {
                throw SessionModelError(.invalidInput, "item \(i) has attribute \(bad) outside 0..<\(featureCount)")
            }
            let w = unique.isEmpty ? 0 : 1 / Float(unique.count)
            columns += unique
            values += [Float](repeating: w, count: unique.count)
            offsets.append(Int32(columns.count))
        }
        self.init(unchecked: attributes.count, featureCount: featureCount, offsets: offsets, columns: columns, values: values)
    }

    /// Dense rows of `featureCount` values for the items `rows` gives (nil: no term); e.g. codes.
    public init(featureCount: Int, denseRows rows: [[Float]?]) throws {
        var offsets: [Int32] = [0], columns: [Int32] = [], values: [Float] = []
        for (i, row) in rows.enumerated() {
            if let row {
                guard row.count == featureCount else {
                    throw SessionModelError(.invalidInput, "item \(i) has \(row.count) feature values, expected \(featureCount)")
                }
                columns += (0..<featureCount).map(Int32.init)
                values += row
            }
            offsets.append(Int32(columns.count))
        }
        self.init(unchecked: rows.count, featureCount: featureCount, offsets: offsets, columns: columns, values: values)
    }

    /// Wraps arrays already checked (or to be checked by `validate`).
    init(unchecked itemCount: Int, featureCount: Int, offsets: [Int32], columns: [Int32], values: [Float]) {
        self.itemCount = itemCount
        self.featureCount = featureCount
        self.offsets = offsets
        self.columns = columns
        self.values = values
    }

    /// Throws `corrupt` unless the arrays form a valid matrix of this shape.
    func validate() throws {
        func fail(_ m: String) -> SessionModelError { SessionModelError(.corrupt, "item features: \(m)") }
        guard offsets.count == itemCount + 1, offsets.first == 0 else { throw fail("\(offsets.count) offsets for \(itemCount) items") }
        guard columns.count == values.count, Int(offsets[itemCount]) == columns.count else { throw fail("entry counts differ") }
        for i in 0..<itemCount where offsets[i] > offsets[i + 1] { throw fail("offsets decrease at item \(i)") }
        if let bad = columns.first(where: { $0 < 0 || Int($0) >= featureCount }) { throw fail("feature \(bad) outside 0..<\(featureCount)") }
    }

    /// Stored entries.
    public var entryCount: Int { columns.count }

    /// Items with a non-empty row.
    public var itemsWithFeatures: Int {
        var n = 0
        for i in 0..<itemCount where offsets[i + 1] > offsets[i] { n += 1 }
        return n
    }

    /// Whether item `i` has a non-empty row.
    public func hasFeatures(_ i: Int) -> Bool { i < itemCount && offsets[i + 1] > offsets[i] }

    /// `out[0..<width] += Σ value · table[column]` for item `item` (`table` rows `width` wide).
    @inline(__always)
    func addTerm(item: Int, table: UnsafePointer<Float>, width: Int, into out: UnsafeMutablePointer<Float>) {
        guard item < itemCount else { return }
        for e in Int(offsets[item])..<Int(offsets[item + 1]) {
            let v = values[e], row = table + Int(columns[e]) * width
            for k in 0..<width { out[k] += v * row[k] }
        }
    }

    /// Back-propagates the gradient `g` of item `item`'s input into the table's gradient rows.
    @inline(__always)
    func accumulate(item: Int, gradient g: UnsafePointer<Float>, width: Int, into tableGradient: UnsafeMutablePointer<Float>) {
        guard item < itemCount else { return }
        for e in Int(offsets[item])..<Int(offsets[item + 1]) {
            let v = values[e], row = tableGradient + Int(columns[e]) * width
            for k in 0..<width { row[k] += v * g[k] }
        }
    }

    /// The same rows over another item indexing: row `i` of the result is this row `source(i)`,
    /// or empty where `source(i)` is nil or out of range; `featureCount` may grow (never shrinks).
    public func reindexed(itemCount n: Int, featureCount f: Int? = nil, source: (Int) -> Int?) -> SessionItemFeatures {
        var offsets: [Int32] = [0], columns: [Int32] = [], values: [Float] = []
        offsets.reserveCapacity(n + 1)
        for i in 0..<n {
            if let j = source(i), j >= 0, j < itemCount {
                let r = Int(self.offsets[j])..<Int(self.offsets[j + 1])
                columns += self.columns[r]
                values += self.values[r]
            }
            offsets.append(Int32(columns.count))
        }
        return SessionItemFeatures(unchecked: n, featureCount: max(featureCount, f ?? 0), offsets: offsets,
                                   columns: columns, values: values)
    }
}
