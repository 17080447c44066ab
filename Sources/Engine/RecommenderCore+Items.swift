import Events
import Models

/// Items as first-class: the item topic's records applied to the catalog, withdrawals of items
/// made unavailable, vectors of cold items projected from their side information, and lists
/// filtered per request.
extension RecommenderCore {
    /// Applies one item-topic record: the item's availability, attributes and embedding replace
    /// what was known. An item made unavailable leaves the lists of the users whose last list
    /// holds it at the next refresh round (they are queued past their debounce). A cold item
    /// (fewer than `items.cold_start_events` events) with side information gets its vector from
    /// the projection as soon as the projection can place it. Returns whether it withdrew the item.
    @discardableResult
    public func apply(itemRecord record: ItemRecord) throws(EngineRejection) -> Bool {
        catalog.recordsApplied += 1
        let needsRow = !record.available || !record.attributes.isEmpty || !record.embedding.isEmpty
        let row: Int32
        if let existing = items.find(record.item) {
            row = existing
        } else if needsRow {
            row = try itemIndex(for: record.item)
        } else {
            catalog.keepMetadata(record)
            return false
        }
        catalog.dropMetadata(record.item)
        catalog.ensureRows(items.count)
        let withdrawn = catalog.install(record, row: row)
        placeFromSideInformation(row)
        return withdrawn
    }

    /// Forgets what the item topic said of `id` (a tombstone): the item is available again and
    /// has no side information. Returns whether anything was known.
    @discardableResult
    public func removeItemRecord(id: String) -> Bool {
        catalog.recordsApplied += 1
        if catalog.dropMetadata(id) { return true }
        guard let row = items.index(of: id) else { return false }
        catalog.ensureRows(items.count)
        guard catalog.fromTopic[Int(row)] else { return false }
        catalog.clear(row: row)
        return true
    }

    /// Whether item `id` is marked unavailable.
    public func isUnavailable(item id: String) -> Bool {
        guard let row = items.index(of: id), Int(row) < catalog.unavailable.count else {
            return catalog.metadataOnly[id].map { !$0.available } ?? false
        }
        return catalog.unavailable[Int(row)]
    }

    /// What is known of item `id` (nil: neither an event nor the item topic named it).
    public func itemInfo(_ id: String) -> ItemInfo? {
        guard let row = items.index(of: id) else {
            guard let record = catalog.metadataOnly[id] else { return nil }
            return ItemInfo(item: id, available: record.available, attributes: record.attributes,
                            embeddingWidth: record.embedding.count, interactions: 0, vector: .none,
                            fromItemTopic: true, recordTimestampMs: record.timestampMs)
        }
        catalog.ensureRows(items.count)
        let r = Int(row)
        let count = Int(model.itemCount[r])
        let source: ItemInfo.VectorSource = catalog.sideVector[r] ? .sideInformation : (count > 0 ? .learned : .none)
        let ts = catalog.recordTimestampMs[r]
        return ItemInfo(item: id, available: !catalog.unavailable[r],
                        attributes: catalog.attributes[r].map { catalog.attributeNames[Int($0)] },
                        embeddingWidth: catalog.embeddings[r].count, interactions: count, vector: source,
                        fromItemTopic: catalog.fromTopic[r], recordTimestampMs: ts == .min ? nil : ts)
    }

    /// The work a refresh round does for the catalog before scoring: users whose last list holds
    /// a withdrawn item are queued (past their debounce), then up to `items.rows_per_round` items
    /// with side information are visited: those with enough events teach the projection one SGD
    /// step, cold ones get the projected vector.
    func catalogRound() {
        withdrawPending()
        let rows = catalog.sideRows
        guard !rows.isEmpty else { return }
        let minEvents = catalog.configuration.projectionMinEvents
        for _ in 0..<min(catalog.configuration.rowsPerRound, rows.count) {
            if catalog.cursor >= rows.count { catalog.cursor = 0 }
            let row = rows[catalog.cursor]
            catalog.cursor += 1
            let r = Int(row)
            if model.itemCount[r] >= minEvents {
                catalog.projection.learn(attributes: catalog.attributes[r], embedding: catalog.embeddings[r],
                                         target: model.itemFactors.row(r), targetBias: model.itemBias[r])
            }
            placeFromSideInformation(row)
        }
    }

    /// Writes the projected vector into a cold row that has side information the projection can
    /// place, and sets the row's ranking mask.
    func placeFromSideInformation(_ row: Int32) {
        let r = Int(row)
        let cold = model.itemCount[r] < catalog.configuration.coldStartEvents
        if cold && catalog.hasSideInformation(row) && catalog.sideVectorReady(row) {
            let d = model.factors
            withUnsafeTemporaryAllocation(of: Float.self, capacity: d) { buffer in
                let out = buffer.baseAddress!
                let bias = catalog.projection.predict(attributes: catalog.attributes[r], embedding: catalog.embeddings[r], into: out)
                model.setItem(row, factors: out, bias: bias)
            }
            itemSharing?.adoptRow(row, from: model)
            catalog.sideVector[r] = true
        } else if !cold || !catalog.hasSideInformation(row) {
            catalog.sideVector[r] = false
        }
        catalog.updateBlocked(row, cold: cold)
    }

    /// Queues every user whose last list holds an item withdrawn since the last round (of the
    /// `catalog.withdrawalPartitions`, when set), past the debounce interval, so the round
    /// re-ranks and publishes them. Returns how many.
    @discardableResult
    func withdrawPending() -> Int {
        guard !catalog.pendingWithdrawn.isEmpty else { return 0 }
        let withdrawn = Set(catalog.pendingWithdrawn.filter { catalog.unavailable[Int($0)] })
        catalog.pendingWithdrawn.removeAll()
        guard !withdrawn.isEmpty else { return 0 }
        var queued = 0
        let scope = catalog.withdrawalPartitions
        for u in 0..<table.count where !table.lastList[u].isEmpty {
            if let scope, !scope.contains(table.lastSource[u].partition) { continue }
            guard table.lastList[u].contains(where: { withdrawn.contains($0) }) else { continue }
            queueDueNow(Int32(u))
            queued += 1
        }
        return queued
    }

    /// Queues user row `user` for the next refresh round, past its debounce interval.
    func queueDueNow(_ user: Int32) {
        let u = Int(user)
        table.lastPublishedMs[u] = .min
        if !table.isDirty[u] {
            table.isDirty[u] = true
            dirtyQueue.append(user)
        }
    }

    /// The ranking for one user computed now, restricted to items carrying `attribute` (when
    /// given) and leaving out the items `exclude` names, besides the user's seen items and the
    /// unavailable ones. Does not publish.
    public func currentList(for userId: String, k: Int, wallClockMs: Int64,
                            attribute: String?, exclude: [String]) -> RecommendationList? {
        guard let user = users.index(of: userId) else { return nil }
        session?.restoreIfSpilled(user: Int(user), users: users)
        catalog.ensureRows(items.count)
        var mask = catalog.blocked
        if let attribute {
            let carrying = catalog.rows(carrying: attribute)
            for i in mask.indices where !carrying.contains(Int32(i)) { mask[i] = true }
        }
        for id in exclude {
            if let row = items.index(of: id) { mask[Int(row)] = true }
        }
        var result: RecommendationList?
        scorer.rank(users: [user], core: self, k: k, mask: mask) { _, ranked in
            result = RecommendationList(
                user: userId, items: ranked.map { (items.id(at: Int32($0.index)), $0.score) },
                model: rankedBy(user), version: appliedEvents,
                generatedAtMs: wallClockMs, basedOn: table.lastSource[Int(user)])
        }
        return result
    }
}
