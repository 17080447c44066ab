import Events
import Models

/// What the item topic says of each item, by item row: availability, attributes, embedding,
/// and the ranking mask made from them, beside the side-feature projection fitted on them.
///
/// `blocked` is what ranking reads: one Bool per item row (an unavailable item, or a cold item
/// whose side information cannot be placed yet), so the check costs one load per candidate.
/// Items the topic describes with nothing the engine uses (available, no attributes, no
/// embedding) and that no event has named get no row; their record is kept by id. Not
/// thread-safe: the core's owner drives it.
public final class ItemCatalog {
    /// Settings in force.
    public let configuration: ItemCatalogConfiguration
    /// Ranking mask by item row: true = never recommended now.
    @exclusivity(unchecked) public private(set) var blocked: [Bool] = []
    /// Whether each item row is marked unavailable.
    @exclusivity(unchecked) public private(set) var unavailable: [Bool] = []
    /// Attribute indices of each item row.
    public private(set) var attributes: [[Int32]] = []
    /// Embedding of each item row (unit length; empty: none).
    public private(set) var embeddings: [[Float]] = []
    /// Whether the item topic has a record of each item row.
    public private(set) var fromTopic: [Bool] = []
    /// Whether each row's vector was last written by the projection.
    @exclusivity(unchecked) public internal(set) var sideVector: [Bool] = []
    /// `ts` of each row's last record (`Int64.min`: none given).
    public private(set) var recordTimestampMs: [Int64] = []
    /// Attribute names by index, and the item rows carrying each.
    public private(set) var attributeNames: [String] = []
    private(set) var attributeItems: [Set<Int32>] = []
    private var attributeIndex: [String: Int32] = [:]
    /// Rows with side information, visited in turn by refresh rounds.
    private(set) var sideRows: [Int32] = []
    private var inSideRows: [Bool] = []
    var cursor = 0
    /// Rows that became unavailable since the last refresh round (their lists are redone).
    var pendingWithdrawn: [Int32] = []
    /// Whether a withdrawal waits for the next refresh round.
    public var hasPendingWithdrawals: Bool { !pendingWithdrawn.isEmpty }
    /// When set, a withdrawal re-ranks only the users of these input partitions (the ones this
    /// instance owns: a suspended partition's users belong to another instance now); nil: all.
    public var withdrawalPartitions: Set<Int32>?
    /// Records of items without a row (nothing the engine uses), by id.
    public private(set) var metadataOnly: [String: ItemRecord] = [:]
    /// Item records applied since the state began (tombstones included).
    public internal(set) var recordsApplied: Int64 = 0
    /// The projection from side information to factors.
    public let projection: SideFeatureProjection

    /// An empty catalog for `factors`-wide item vectors.
    public init(configuration: ItemCatalogConfiguration, factors: Int) {
        self.configuration = configuration
        projection = SideFeatureProjection(factors: factors, embeddingWidth: configuration.embeddingWidth,
                                           learningRate: configuration.projectionLearningRate)
    }

    /// Rows marked unavailable now.
    public private(set) var unavailableCount = 0

    /// Rows whose vector the projection wrote last (cold items placed from side information).
    public var sideVectorCount: Int { sideRows.lazy.filter { self.sideVector[Int($0)] }.count }

    /// Rows with side information.
    public var sideInformationCount: Int { sideRows.count }

    /// Makes room for `rows` item rows (new rows: available, no side information).
    @inline(__always)
    func ensureRows(_ rows: Int) {
        guard blocked.count < rows else { return }
        let n = rows - blocked.count
        blocked += repeatElement(false, count: n)
        unavailable += repeatElement(false, count: n)
        attributes += repeatElement([], count: n)
        embeddings += repeatElement([], count: n)
        fromTopic += repeatElement(false, count: n)
        sideVector += repeatElement(false, count: n)
        recordTimestampMs += repeatElement(.min, count: n)
        inSideRows += repeatElement(false, count: n)
    }

    /// The index of attribute `name`, registered when new.
    func attribute(_ name: String) -> Int32 {
        if let a = attributeIndex[name] { return a }
        let a = projection.addAttribute()
        attributeIndex[name] = a
        attributeNames.append(name)
        attributeItems.append([])
        return a
    }

    /// The index of attribute `name`, if any item carries or carried it.
    public func attributeIndex(of name: String) -> Int32? { attributeIndex[name] }

    /// The item rows carrying attribute `name` now.
    public func rows(carrying name: String) -> Set<Int32> {
        guard let a = attributeIndex[name] else { return [] }
        return attributeItems[Int(a)]
    }

    /// Keeps `record` for an item without a row.
    func keepMetadata(_ record: ItemRecord) { metadataOnly[record.item] = record }

    /// Forgets the kept record of `id` (it got a row, or a tombstone).
    @discardableResult
    func dropMetadata(_ id: String) -> Bool { metadataOnly.removeValue(forKey: id) != nil }

    /// Installs `record` on `row` (which `ensureRows` covers); returns whether it withdrew the
    /// item (available before, unavailable now).
    func install(_ record: ItemRecord, row: Int32) -> Bool {
        let r = Int(row)
        for a in attributes[r] { attributeItems[Int(a)].remove(row) }
        let indices = record.attributes.map { attribute($0) }
        for a in indices { attributeItems[Int(a)].insert(row) }
        attributes[r] = indices
        embeddings[r] = Self.unitLength(record.embedding)
        fromTopic[r] = true
        recordTimestampMs[r] = record.timestampMs ?? .min
        let withdrawn = !unavailable[r] && !record.available
        if unavailable[r] != !record.available { unavailableCount += record.available ? -1 : 1 }
        unavailable[r] = !record.available
        if withdrawn { pendingWithdrawn.append(row) }
        let hasSide = !indices.isEmpty || !embeddings[r].isEmpty
        if hasSide && !inSideRows[r] {
            inSideRows[r] = true
            sideRows.append(row)
        } else if !hasSide && inSideRows[r] {
            inSideRows[r] = false
            sideRows.removeAll { $0 == row }
            sideVector[r] = false
        }
        return withdrawn
    }

    /// Clears what the topic said of `row` (a tombstone): available, no side information.
    func clear(row: Int32) {
        _ = install(ItemRecord(item: ""), row: row)
        fromTopic[Int(row)] = false
        blocked[Int(row)] = false
    }

    /// Whether `row` has side information.
    func hasSideInformation(_ row: Int32) -> Bool { inSideRows[Int(row)] }

    /// Whether the projection can place `row` yet: one of its attributes was fitted on enough
    /// items, or it has an embedding and the projection took enough steps.
    func sideVectorReady(_ row: Int32) -> Bool {
        let r = Int(row)
        let steps = projection.attributeSteps
        for a in attributes[r] where steps[Int(a)] >= configuration.minAttributeSteps { return true }
        return !embeddings[r].isEmpty && projection.steps >= Int64(configuration.minAttributeSteps) * 10
    }

    /// Sets `row`'s ranking mask from its availability and whether a cold row has a vector.
    @inline(__always)
    func updateBlocked(_ row: Int32, cold: Bool) {
        let r = Int(row)
        blocked[r] = unavailable[r] || (cold && inSideRows[r] && !sideVector[r])
    }

    /// `values` scaled to unit length (empty stays empty; all zeros stay zeros).
    static func unitLength(_ values: [Float]) -> [Float] {
        guard !values.isEmpty else { return [] }
        var norm: Float = 0
        for v in values { norm += v * v }
        guard norm > 0 else { return values }
        let scale = 1 / norm.squareRoot()
        return values.map { $0 * scale }
    }
}
