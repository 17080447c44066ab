import Models

/// Item state shared between instances (`ItemUpdateBatch`): the batches this instance makes
/// of its own item changes, and the others' batches it applies.
extension RecommenderCore {
    /// Starts sharing item state as `author`: what is held now counts as shared, new items start
    /// from a vector seeded by their id, and `appliedSequence` with `appliedAbove` (from a
    /// checkpoint) say which batches are already in the state. Items made before this call keep
    /// their vectors.
    public func startItemSharing(author: String, appliedSequence: [String: UInt64] = [:],
                                 appliedAbove: [String: Set<UInt64>] = [:]) {
        precondition(itemSharing == nil, "item sharing already started")
        let ledger = ItemShareLedger(author: author, factors: model.factors)
        ledger.adopt(model)
        ledger.appliedSequence = appliedSequence
        ledger.appliedAbove = appliedAbove
        popularity.startSharing()
        model.itemChanges = ledger.journal
        itemSharing = ledger
    }

    /// Items changed here and not sent yet.
    public var unsharedItemCount: Int { itemSharing?.journal.count ?? 0 }

    /// Takes this instance's unsent item changes as batches of at most `maxItems` items each
    /// (empty when nothing changed) and counts them as shared. Call with the core held.
    public func takeItemUpdates(sentAtMs: Int64, maxItems: Int = 1_000) -> [ItemUpdateBatch] {
        guard let ledger = itemSharing else { return [] }
        let rows = ledger.journal.take()
        var ratingEvents: Int64 = 0
        var ratingSum: Double = 0
        if model.configuration.feedback == .explicit {
            let sum = Double(model.globalMean) * Double(model.eventCount)
            ratingEvents = model.eventCount - ledger.sharedRatingEvents
            ratingSum = sum - ledger.sharedRatingSum
            ledger.sharedRatingEvents = model.eventCount
            ledger.sharedRatingSum = sum
        }
        guard !rows.isEmpty || ratingEvents != 0 else { return [] }
        let d = model.factors
        var changes: [ItemUpdateBatch.Item] = []
        changes.reserveCapacity(rows.count)
        for row in rows {
            let r = Int(row)
            guard r < ledger.sharedFactors.rows else { continue }
            let current = model.itemFactors.row(r), shared = ledger.sharedFactors.row(r)
            var vector = [Float](repeating: 0, count: d)
            var moved = false
            for k in 0..<d {
                vector[k] = current[k] - shared[k]
                if vector[k] != 0 { moved = true }
                shared[k] = current[k]
            }
            let bias = model.itemBias[r] - ledger.sharedBias[r]
            ledger.sharedBias[r] = model.itemBias[r]
            let count = model.itemCount[r] &- ledger.sharedCount[r]
            ledger.sharedCount[r] = model.itemCount[r]
            let gain = popularity.takeUnshared(item: row)
            guard moved || bias != 0 || count != 0 || gain != 0 else { continue }
            changes.append(.init(id: items.id(at: row), bias: bias, count: count, popularity: gain, vector: vector))
        }
        guard !changes.isEmpty || ratingEvents != 0 else { return [] }
        var batches: [ItemUpdateBatch] = []
        var start = 0
        repeat {
            let end = min(changes.count, start + max(1, maxItems))
            ledger.sequence += 1
            let batch = ItemUpdateBatch(author: ledger.author, sequence: ledger.sequence, sentAtMs: sentAtMs,
                                        newestEventMs: latestEventMs, factors: d, popularityOriginMs: popularity.origin,
                                        ratingEvents: batches.isEmpty ? ratingEvents : 0,
                                        ratingSum: batches.isEmpty ? ratingSum : 0, items: Array(changes[start..<end]))
            batches.append(batch)
            start = end
        } while start < changes.count
        ledger.appliedSequence[ledger.author] = ledger.sequence
        return batches
    }

    /// Counts batches as handed on (`bytes` encoded), for the statistics.
    public func countSent(_ batches: [ItemUpdateBatch], bytes: Int) {
        guard let ledger = itemSharing else { return }
        ledger.statistics.batchesSent += Int64(batches.count)
        ledger.statistics.itemsSent += Int64(batches.reduce(0) { $0 + $1.items.count })
        ledger.statistics.bytesSent += Int64(bytes)
    }

    /// What `apply(itemUpdates:)` did with a batch.
    public enum ItemUpdateOutcome: Equatable, Sendable {
        /// Added to the state: this many items (new ones are registered).
        case applied(items: Int)
        /// Left out: this instance's own batch, or one already applied.
        case skipped
    }

    /// Adds another instance's batch to the items (registering those not known yet) and to
    /// their shared part. `bytes` is its encoded size, for the statistics. Throws when the batch
    /// does not fit this model (another latent dimension). Call with the core held.
    @discardableResult
    public func apply(itemUpdates batch: ItemUpdateBatch, bytes: Int = 0) throws(EngineRejection) -> ItemUpdateOutcome {
        guard let ledger = itemSharing else { return .skipped }
        if batch.author == ledger.author || ledger.holds(author: batch.author, sequence: batch.sequence) {
            ledger.statistics.batchesSkipped += 1
            return .skipped
        }
        guard batch.factors == model.factors else {
            throw EngineRejection.itemUpdateMismatch(factors: batch.factors, expected: model.factors)
        }
        var applied = 0
        for item in batch.items {
            let row: Int32
            do { row = try itemIndex(for: item.id) } catch {
                ledger.statistics.itemsRefused += 1
                continue
            }
            let r = Int(row)
            item.vector.withUnsafeBufferPointer { v in
                model.addToItem(row, vector: v.baseAddress!, bias: item.bias, count: item.count)
                let shared = ledger.sharedFactors.row(r)
                for k in 0..<model.factors { shared[k] += v[k] }
            }
            ledger.sharedBias[r] += item.bias
            ledger.sharedCount[r] &+= item.count
            if let origin = batch.popularityOriginMs {
                popularity.addShared(item: row, delta: item.popularity, originMs: origin)
            }
            applied += 1
        }
        if batch.ratingEvents != 0 {
            model.addRatings(events: batch.ratingEvents, sum: batch.ratingSum)
            ledger.sharedRatingEvents += batch.ratingEvents
            ledger.sharedRatingSum += batch.ratingSum
        }
        ledger.noteApplied(author: batch.author, sequence: batch.sequence)
        ledger.statistics.batchesApplied += 1
        ledger.statistics.itemsApplied += Int64(applied)
        ledger.statistics.bytesApplied += Int64(bytes)
        ledger.statistics.newestAppliedSentAtMs = max(ledger.statistics.newestAppliedSentAtMs ?? .min, batch.sentAtMs)
        return .applied(items: applied)
    }

    static let sharingSection = "engine.sharing"

    /// The item-update batches a checkpoint's state holds: per author, the sequence up to which
    /// all are applied, and those applied beyond it.
    public static func sharedBatches(in reader: SnapshotReader) throws -> (upTo: [String: UInt64], above: [String: Set<UInt64>]) {
        guard reader.sectionNames.contains(sharingSection) else { return ([:], [:]) }
        var r = ByteReader(try reader.section(sharingSection), context: sharingSection)
        var upTo: [String: UInt64] = [:], above: [String: Set<UInt64>] = [:]
        for _ in 0..<(try r.read(UInt32.self)) {
            let author = try r.readString()
            upTo[author] = try r.read(UInt64.self)
            let extra = try r.read(UInt32.self)
            var set = Set<UInt64>()
            for _ in 0..<extra { set.insert(try r.read(UInt64.self)) }
            if !set.isEmpty { above[author] = set }
        }
        return (upTo, above)
    }

    /// 64-bit FNV-1a of `id`'s UTF-8 bytes: the seed of an item's start vector.
    static func stableHash(_ id: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in id.utf8 {
            hash ^= UInt64(b)
            hash &*= 0x0000_0100_0000_01B3
        }
        return hash
    }
}
