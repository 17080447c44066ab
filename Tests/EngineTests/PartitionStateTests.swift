import Engine
import Events
import Models
import Testing

/// A partition's users leave one engine and arrive in another with other row and item numbers.
@Suite("Partition-scoped state: export, import, drop")
struct PartitionStateTests {
    func feed(_ core: RecommenderCore, events: [(String, String, Int32)]) throws {
        for (offset, (user, item, partition)) in events.enumerated() {
            try core.apply(Event(user: user, item: item, type: .click, timestampMs: Int64(offset)),
                           source: EventSource(partition: partition, offset: Int64(offset)))
        }
    }

    @Test("a changed user's record written from the tables equals its exported state's encoding, after the prefix")
    func encodedRecords() throws {
        var c = EngineConfiguration()
        c.debounceMs = 0
        let core = RecommenderCore(configuration: c)
        core.tracksChanges = true
        try feed(core, events: [("u1", "i1", 0), ("u1", "i2", 0), ("u2", "i3", 1), ("u3", "i2", 0)])
        core.refresh(nowMs: 0, wallClockMs: 0, force: true) { _ in }
        let prefix: [UInt8] = [7, 8, 9]
        let records = core.takeChangedUserRecords(in: [0], prefix: prefix)
        let batch = try #require(records[0])
        #expect(Set(batch.ids) == ["u1", "u3"])
        #expect(records[1] == nil)
        var keyBytes = 0
        for (k, id) in batch.ids.enumerated() {
            let row = try #require(core.users.index(of: id))
            let record = batch.value(at: k)
            #expect(Array(record.prefix(3)) == prefix)
            #expect(Array(record.dropFirst(3)) == core.exportUser(row: row).encoded())
            #expect(try PartitionUserState(decoding: Array(record.dropFirst(3))) == core.exportUser(row: row))
            #expect(batch.withRecords { Array($0(k).key) } == Array(id.utf8))
            #expect(batch.withRecords { Array($0(k).value) } == record)
            keyBytes += id.utf8.count
        }
        #expect(batch.byteCount == keyBytes + (0..<batch.count).reduce(0) { $0 + batch.value(at: $1).count })
        // Taken once: the partition-1 user is still flagged, the others are not.
        #expect(core.takeChangedUserRecords(in: [0, 1], prefix: []).mapValues(\.ids) == [1: ["u2"]])
    }

    @Test("a moved user keeps vector, bias, seen items, last list, counters; the partition's applied count follows")
    func moveUsers() throws {
        var c = EngineConfiguration()
        c.debounceMs = 0
        let source = RecommenderCore(configuration: c)
        source.tracksChanges = true
        try feed(source, events: [("u1", "i1", 0), ("u1", "i2", 0), ("u1", "i3", 0), ("u2", "i4", 1), ("u3", "i2", 0)])
        source.refresh(nowMs: 0, wallClockMs: 0, force: true) { _ in }
        let changed = source.takeChangedUsers(in: [0])
        #expect(Set(changed[0]?.map(\.id) ?? []) == ["u1", "u3"])
        #expect(source.takeChangedUsers(in: [0]).isEmpty)
        #expect(source.takeChangedUsers(in: [1])[1]?.map(\.id) == ["u2"])
        #expect(source.appliedByPartition == [4, 1])

        // The target numbers items differently: it saw other items first.
        let target = RecommenderCore(configuration: c)
        try feed(target, events: [("x", "i9", 1), ("x", "i3", 1)])
        for state in source.exportPartition(0) { try target.importUser(state) }
        target.setApplied(source.appliedByPartition[0], partition: 0)
        let moved = try #require(target.users.index(of: "u1"))
        let original = try #require(source.users.index(of: "u1"))
        #expect(target.exportUser(row: moved) == source.exportUser(row: original))
        #expect(target.table.seen[Int(moved)].map { target.items.id(at: $0) }.sorted() == ["i1", "i2", "i3"])
        #expect(target.appliedByPartition[0] == 4)
        #expect(target.partition(ofUser: "u3") == 0)
        // Its list on the target never holds what it saw.
        let list = try #require(target.currentList(for: "u1", k: 5, wallClockMs: 0))
        #expect(Set(list.items.map(\.item)).isDisjoint(with: ["i1", "i2", "i3"]))

        // Dropping the partition forgets its users and its count; the rows are reused.
        #expect(source.dropPartition(0) == 2)
        #expect(source.users.index(of: "u1") == nil && source.users.index(of: "u3") == nil)
        #expect(source.users.index(of: "u2") != nil)
        #expect(source.appliedByPartition == [0, 1])
        let rowsBefore = source.users.count
        try feed(source, events: [("new", "i1", 0)])
        #expect(source.users.count == rowsBefore)
    }

    @Test("a failed list delivery makes the user publish again")
    func republishAfterFailure() throws {
        var c = EngineConfiguration()
        c.debounceMs = 0
        let core = RecommenderCore(configuration: c)
        try feed(core, events: [("u1", "i1", 0), ("u2", "i2", 0), ("u2", "i3", 0)])
        var first: [String] = []
        core.refresh(nowMs: 0, wallClockMs: 0, force: true) { first.append($0.user) }
        #expect(first.sorted() == ["u1", "u2"])
        var again: [String] = []
        core.refresh(nowMs: 1, wallClockMs: 1, force: true) { again.append($0.user) }
        #expect(again.isEmpty)
        core.forgetPublishedList(of: "u1")
        core.refresh(nowMs: 2, wallClockMs: 2, force: true) { again.append($0.user) }
        #expect(again == ["u1"])
    }

    @Test("a moved user's carried forward session state moves too: the new owner's session vector is the old owner's; another model encodes the window from scratch")
    func forwardStateMoves() throws {
        let items = 40
        let mc = SessionModelConfiguration(itemCount: items, embeddingDimension: 8, hiddenSize: 6, windowLength: 4,
                                           backwardSteps: 1, seed: 3)
        func engine(seed: UInt64) throws -> EngineConfiguration {
            var c = EngineConfiguration()
            c.debounceMs = 0
            var shape = mc
            shape.seed = seed
            c.session.snapshot = try SessionSnapshot(model: BiGRUSessionModel(configuration: shape),
                                                     itemIds: (0..<items).map { "i\($0)" }, fusion: HybridFusion())
            return c
        }
        let a = RecommenderCore(configuration: try engine(seed: 3))
        // Twelve events, refreshed after each: the forward state has read steps that left the window of 4.
        for n in 0..<12 {
            try a.apply(Event(user: "u", item: "i\((n * 7) % items)", type: n % 3 == 0 ? .purchase : .click, timestampMs: Int64(n) * 1_000),
                        source: EventSource(partition: 0, offset: Int64(n)))
            a.refresh(nowMs: Int64(n) * 1_000, wallClockMs: 0, force: true) { _ in }
        }
        // One more step, not encoded yet: it travels as a pending step.
        try a.apply(Event(user: "u", item: "i5", type: .click, timestampMs: 13_000), source: EventSource(partition: 0, offset: 12))
        let row = try #require(a.users.index(of: "u"))
        let state = a.exportUser(row: row)
        #expect(state.sessionForward.count == 6 && state.sessionPending == 1)
        #expect(state.sessionTypes.count == 4 && Set(state.sessionTypes).count == 2, "the steps' event types travel: \(state.sessionTypes)")
        let bytes = state.encoded()
        #expect(bytes.first == 2)
        #expect(try PartitionUserState(decoding: bytes) == state)
        var batch = UserRecordBatch(prefix: [])
        batch.add(id: "u") { a.appendUserRecord(row: row, to: &$0) }
        #expect(batch.value(at: 0) == bytes, "the changelog's direct writer gives the same record, session part included")
        let expected = try #require(a.sessionVector(for: "u"))

        let b = RecommenderCore(configuration: try engine(seed: 3))
        try b.importUser(try PartitionUserState(decoding: bytes))
        let moved = try #require(b.sessionVector(for: "u"))
        #expect(zip(moved, expected).allSatisfy { abs($0 - $1) < 1e-5 }, "\(moved) vs \(expected)")

        // The same window encoded from scratch differs (steps left it), and so does what a core
        // serving another model makes of the record: it ignores the carried state.
        var fresh = state
        fresh.sessionForward = []
        let c = RecommenderCore(configuration: try engine(seed: 3))
        try c.importUser(fresh)
        let scratch = try #require(c.sessionVector(for: "u"))
        #expect(zip(scratch, expected).contains { abs($0 - $1) > 1e-4 })
        var bare = fresh
        bare.sessionItems = []
        bare.sessionTimes = []
        bare.sessionTypes = []
        bare.sessionForwardModel = 0
        bare.sessionPending = 0
        #expect(bare.encoded().first == 1, "no session state: the version-1 record")
        #expect(try PartitionUserState(decoding: bare.encoded()) == bare)
        let other = RecommenderCore(configuration: try engine(seed: 4))
        try other.importUser(state)
        let otherFresh = RecommenderCore(configuration: try engine(seed: 4))
        try otherFresh.importUser(fresh)
        #expect(try #require(other.sessionVector(for: "u")) == (try #require(otherFresh.sessionVector(for: "u"))))
    }
}
