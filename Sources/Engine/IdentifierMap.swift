/// Two-way map between external string ids and dense `Int32` row indices.
public struct IdentifierMap: Sendable {
    private var indexById: [String: Int32] = [:]
    /// External id of each index, in order of first sight.
    public private(set) var ids: [String] = []

    /// Creates an empty map.
    public init() {}

    /// Creates a map from ids in index order.
    public init(ids: [String]) {
        self.ids = ids
        indexById.reserveCapacity(ids.count)
        for (i, id) in ids.enumerated() where !id.isEmpty { indexById[id] = Int32(i) }
    }

    /// Number of ids known.
    public var count: Int { ids.count }

    /// The index of `id`, if known.
    @inlinable
    public func index(of id: String) -> Int32? { lookup(id) }

    @usableFromInline
    func lookup(_ id: String) -> Int32? { indexById[id] }

    /// The index of `id`, inserting it with the next index when new.
    public mutating func insert(_ id: String) -> (index: Int32, inserted: Bool) {
        if let i = indexById[id] { return (i, false) }
        let i = Int32(ids.count)
        indexById[id] = i
        ids.append(id)
        return (i, true)
    }

    /// Forgets the id at `index`, leaving the row unnamed (empty) until `reassign`.
    public mutating func forget(_ index: Int32) {
        indexById[ids[Int(index)]] = nil
        ids[Int(index)] = ""
    }

    /// Gives `index` to `newId`, forgetting the id it had (row reuse after an eviction).
    public mutating func reassign(_ index: Int32, to newId: String) {
        indexById[ids[Int(index)]] = nil
        ids[Int(index)] = newId
        indexById[newId] = index
    }

    /// External id at `index`.
    public func id(at index: Int32) -> String { ids[Int(index)] }
}
