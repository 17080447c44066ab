import Models

/// Everything a checkpoint holds besides the model's own snapshot sections: the input offsets
/// the state reflects and when it was written.
public struct CheckpointInfo: Sendable, Equatable {
    /// Next offset to consume per input partition (`topic/partition` → offset).
    public var offsets: [TopicPartitionKey: Int64]
    /// Events applied to the state.
    public var appliedEvents: Int64
    /// Users and items known.
    public var users: Int
    /// See `users`.
    public var items: Int
    /// Digest of the model state (factors, biases, ids, seen sets, popularity), hex.
    public var checksum: String
    /// Wall-clock time of writing, epoch ms.
    public var writtenAtMs: Int64
}

/// A topic and partition as a dictionary key (kept here so the Engine's checkpoint format
/// does not depend on the Kafka module).
public struct TopicPartitionKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Topic name.
    public var topic: String
    /// Partition number.
    public var partition: Int32
    /// Creates a key.
    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }
    /// `topic/partition`.
    public var description: String { "\(topic)/\(partition)" }
    public static func < (a: Self, b: Self) -> Bool { (a.topic, a.partition) < (b.topic, b.partition) }
}

extension RecommenderCore {
    static let checkpointSections = (meta: "engine.meta", ids: "engine.ids", table: "engine.table",
                                     popularity: "engine.popularity", offsets: "engine.offsets",
                                     evictions: "engine.evictions", session: "engine.session",
                                     spilledSessions: "engine.session.spilled", partitions: "engine.partitions")

    /// Writes the whole state and `offsets` into a snapshot.
    public func checkpoint(offsets: [TopicPartitionKey: Int64], writtenAtMs: Int64) -> SnapshotWriter {
        var writer = SnapshotWriter()
        model.snapshot().write(into: &writer)
        writer.addSection(Self.checkpointSections.ids) { w in
            w.append(users.ids)
            w.append(items.ids)
        }
        writer.addSection(Self.checkpointSections.table) { w in
            w.append(UInt64(table.count))
            w.append(table.eventCount)
            for u in 0..<table.count {
                let seen = table.seen[u].sorted()
                w.append(seen)
                w.append(table.lastList[u])
                w.append(table.lastSource[u].partition)
                w.append(table.lastSource[u].offset)
                w.append(table.publishedCount[u])
            }
            w.append(dueUsers)
        }
        writer.addSection(Self.checkpointSections.popularity) { w in
            let state = popularity.state
            w.append(state.values)
            w.append(state.originMs ?? Int64.min)
        }
        writer.addSection(Self.checkpointSections.evictions) { w in
            w.append(freeUserRows)
            w.append(evictedUsers)
            for active in table.lastActive { w.append(active) }
        }
        if let session {
            // Session windows (the model itself comes from `session.model`, not the checkpoint).
            writer.addSection(Self.checkpointSections.session) { session.write(into: &$0) }
            // Windows of users whose state left memory, written with the rest so the two agree.
            writer.addSection(Self.checkpointSections.spilledSessions) { session.writeSpilled(into: &$0) }
        }
        writer.addSection(Self.checkpointSections.meta) { w in
            w.append(appliedEvents)
            w.append(listsPublished)
            w.append(latestEventMs)
            w.append(metrics.evaluated)
            w.append(metrics.hits)
            w.append(metrics.ndcgSum)
            w.append(writtenAtMs)
        }
        writer.addSection(Self.checkpointSections.partitions) { w in
            w.append(UInt32(appliedByPartition.count))
            for n in appliedByPartition { w.append(n) }
        }
        if let itemSharing {
            // Which item-update batches the state holds (its own included), by author.
            writer.addSection(Self.sharingSection) { w in
                let sorted = itemSharing.appliedSequence.sorted { $0.key < $1.key }
                w.append(UInt32(sorted.count))
                for (author, sequence) in sorted {
                    w.append(author)
                    w.append(sequence)
                    let above = (itemSharing.appliedAbove[author] ?? []).sorted()
                    w.append(UInt32(above.count))
                    for s in above { w.append(s) }
                }
            }
        }
        writer.addSection(Self.checkpointSections.offsets) { w in
            let sorted = offsets.sorted { $0.key < $1.key }
            w.append(UInt32(sorted.count))
            for (key, offset) in sorted {
                w.append(key.topic)
                w.append(key.partition)
                w.append(offset)
            }
        }
        return writer
    }

    /// Rebuilds the state from a verified snapshot; returns it with the offsets it reflects.
    public static func restore(from reader: SnapshotReader, configuration: EngineConfiguration) throws -> (RecommenderCore, CheckpointInfo) {
        let snapshot = try OnlineMFSnapshot(reader: reader)
        var model = configuration
        model.model = snapshot.configuration
        let core = RecommenderCore(configuration: model, model: try OnlineMF(snapshot: snapshot))

        var ids = ByteReader(try reader.section(checkpointSections.ids), context: checkpointSections.ids)
        core.users = IdentifierMap(ids: try ids.readStrings())
        core.items = IdentifierMap(ids: try ids.readStrings())

        var t = ByteReader(try reader.section(checkpointSections.table), context: checkpointSections.table)
        let userCount = Int(try t.read(UInt64.self))
        guard userCount == core.users.count, userCount == core.model.users else {
            throw SnapshotError(.malformed, "user table has \(userCount) rows, ids \(core.users.count), model \(core.model.users)")
        }
        var table = UserTable()
        for _ in 0..<userCount { table.addUser() }
        table.eventCount = try t.readInt32s()
        for u in 0..<userCount {
            table.seen[u] = Set(try t.readInt32s())
            table.lastList[u] = try t.readInt32s()
            table.lastSource[u] = EventSource(partition: try t.read(Int32.self), offset: try t.read(Int64.self))
            table.publishedCount[u] = try t.read(Int32.self)
        }
        let dirty = try t.readInt32s()
        for u in dirty where Int(u) < userCount { table.isDirty[Int(u)] = true }
        core.table = table
        core.dirtyQueue = dirty

        var p = ByteReader(try reader.section(checkpointSections.popularity), context: checkpointSections.popularity)
        let values = try p.readFloats()
        let origin = try p.read(Int64.self)
        guard values.count == core.items.count else {
            throw SnapshotError(.malformed, "popularity has \(values.count) items, ids \(core.items.count)")
        }
        core.popularity.restore(values: values, originMs: origin == .min ? nil : origin)

        if reader.sectionNames.contains(checkpointSections.evictions) {
            var e = ByteReader(try reader.section(checkpointSections.evictions), context: checkpointSections.evictions)
            core.freeUserRows = try e.readInt32s()
            core.evictedUsers = try e.read(Int64.self)
            for u in 0..<userCount { core.table.lastActive[u] = try e.read(Int64.self) }
            core.table.rebuildRecency(free: core.freeUserRows)
        }

        if let session = core.session, reader.sectionNames.contains(checkpointSections.session) {
            session.syncItems(core.items)
            var r = ByteReader(try reader.section(checkpointSections.session), context: checkpointSections.session)
            try session.read(from: &r, userCount: userCount)
            if reader.sectionNames.contains(checkpointSections.spilledSessions) {
                var s = ByteReader(try reader.section(checkpointSections.spilledSessions),
                                   context: checkpointSections.spilledSessions)
                try session.readSpilled(from: &s)
            }
        }

        var m = ByteReader(try reader.section(checkpointSections.meta), context: checkpointSections.meta)
        core.appliedEvents = try m.read(Int64.self)
        core.listsPublished = try m.read(Int64.self)
        core.latestEventMs = try m.read(Int64.self)
        let evaluated = try m.read(Int64.self)
        let hits = try m.read(Int64.self)
        let ndcgSum = try m.readDouble()
        core.metrics.restore(evaluated: evaluated, hits: hits, ndcgSum: ndcgSum)
        let writtenAt = try m.read(Int64.self)

        if reader.sectionNames.contains(checkpointSections.partitions) {
            var a = ByteReader(try reader.section(checkpointSections.partitions), context: checkpointSections.partitions)
            let n = Int(try a.read(UInt32.self))
            var applied: [Int64] = []
            for _ in 0..<n { applied.append(try a.read(Int64.self)) }
            core.appliedByPartition = applied
        }

        var o = ByteReader(try reader.section(checkpointSections.offsets), context: checkpointSections.offsets)
        var offsets: [TopicPartitionKey: Int64] = [:]
        for _ in 0..<(try o.read(UInt32.self)) {
            let topic = try o.readString()
            let partition = try o.read(Int32.self)
            offsets[TopicPartitionKey(topic: topic, partition: partition)] = try o.read(Int64.self)
        }
        let info = CheckpointInfo(offsets: offsets, appliedEvents: core.appliedEvents, users: core.users.count,
                                  items: core.items.count, checksum: core.stateChecksum(), writtenAtMs: writtenAt)
        return (core, info)
    }

    /// FNV-1a 64 digest of the model state: factors, biases, counts, ids, seen sets, popularity
    /// and applied events. Excludes anything that depends on refresh timing or wall clocks, so two
    /// runs over the same events in the same order agree.
    public func stateChecksum() -> String {
        var hash = FNV1a64()
        var writer = SnapshotWriter()
        model.snapshot().write(into: &writer)
        hash.add(writer.encoded())
        var w = ByteWriter()
        w.append(users.ids)
        w.append(items.ids)
        w.append(table.eventCount)
        for u in 0..<table.count { w.append(table.seen[u].sorted()) }
        w.append(popularity.state.values)
        w.append(appliedEvents)
        hash.add(w.bytes)
        return hash.hex
    }
}

/// 64-bit FNV-1a, for state digests that two processes can compare.
struct FNV1a64 {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325
    mutating func add(_ bytes: [UInt8]) {
        for b in bytes {
            value ^= UInt64(b)
            value &*= 0x0000_0100_0000_01B3
        }
    }
    var hex: String {
        let s = String(value, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}
