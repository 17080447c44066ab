import Engine
import Testing
@testable import Pipeline

/// The restore rule of the state changelog, on records laid out by hand.
@Suite("Changelog replay: which records a restore counts")
struct ChangelogReplayTests {
    func user(_ id: String, events: Int32, partition: Int32 = 0, offset: Int64 = 0) -> PartitionUserState {
        PartitionUserState(id: id, lastSource: EventSource(partition: partition, offset: offset), eventCount: events,
                           publishedCount: 0, mfCount: events, bias: 0.5, factors: [1, 2, 3], seen: ["i1"], lastList: ["i2"])
    }

    func marker(_ id: String, previous: String?, offset: Int64, applied: Int64 = 0) -> ChangelogMarker {
        ChangelogMarker(id: id, previous: previous, partition: 0, inputOffset: offset, appliedEvents: applied,
                        users: -1, writtenAtMs: 0)
    }

    func add(_ replay: inout ChangelogReplay, _ record: ChangelogRecord) {
        replay.add(key: record.key, value: record.value)
    }

    @Test("a round cut short (no marker) is ignored, and its users are reported to be written again")
    func incompleteRound() throws {
        var replay = ChangelogReplay()
        add(&replay, .user(user("u1", events: 1), writer: "a"))
        add(&replay, .user(user("u2", events: 1), writer: "a"))
        add(&replay, .marker(marker("a:1", previous: nil, offset: 10, applied: 2), writer: "a"))
        add(&replay, .user(user("u1", events: 5), writer: "a"))  // the next round, cut short by a crash
        let restored = try replay.resolve(.marker("a:1"))
        #expect(restored.marker?.id == "a:1")
        #expect(restored.marker?.appliedEvents == 2)
        #expect(restored.users.map(\.id) == ["u1", "u2"])
        #expect(restored.users.first { $0.id == "u1" }?.eventCount == 1)
        #expect(restored.orphans == ["u1"])
    }

    @Test("records of a member that lost the partition are left out; the chain goes through previous")
    func fencedWriter() throws {
        var replay = ChangelogReplay()
        add(&replay, .user(user("u1", events: 1), writer: "a"))
        add(&replay, .marker(marker("a:1", previous: nil, offset: 10), writer: "a"))
        // B restores a:1 and writes its rounds; A, fenced, writes late records and a marker too.
        add(&replay, .user(user("u2", events: 3), writer: "b"))
        add(&replay, .user(user("u1", events: 9), writer: "a"))
        add(&replay, .marker(marker("a:2", previous: "a:1", offset: 20), writer: "a"))
        add(&replay, .user(user("u1", events: 2), writer: "b"))
        add(&replay, .marker(marker("b:1", previous: "a:1", offset: 25), writer: "b"))
        let restored = try replay.resolve(.marker("b:1"))
        #expect(restored.users.map(\.id).sorted() == ["u1", "u2"])
        #expect(restored.users.first { $0.id == "u1" }?.eventCount == 2)
        #expect(restored.users.first { $0.id == "u2" }?.eventCount == 3)
        #expect(restored.orphans == ["u1"])
        // The fenced member's round is a complete chain of its own, but it was never committed.
        let zombie = try replay.resolve(.marker("a:2"))
        #expect(zombie.users.first { $0.id == "u1" }?.eventCount == 9)
        #expect(Set(zombie.orphans) == ["u1", "u2"])
    }

    @Test("removals count; without commit metadata the newest marker at the committed offset is chosen")
    func removalsAndOffsetTarget() throws {
        var replay = ChangelogReplay()
        add(&replay, .user(user("u1", events: 1), writer: "a"))
        add(&replay, .user(user("u2", events: 1), writer: "a"))
        add(&replay, .marker(marker("a:1", previous: nil, offset: 10), writer: "a"))
        add(&replay, .removed(id: "u2", writer: "a"))
        add(&replay, .marker(marker("a:2", previous: "a:1", offset: 12), writer: "a"))
        add(&replay, .marker(marker("a:3", previous: "a:2", offset: 12), writer: "a"))
        let byOffset = try replay.resolve(.inputOffset(12))
        #expect(byOffset.marker?.id == "a:3")
        #expect(byOffset.users.map(\.id) == ["u1"])
        #expect(byOffset.orphans.isEmpty)
        let earlier = try replay.resolve(.inputOffset(10))
        #expect(earlier.users.map(\.id) == ["u1", "u2"])
        let none = try replay.resolve(.marker("x:9"))
        #expect(none.marker == nil && none.users.isEmpty)
        #expect(Set(none.orphans) == ["u1", "u2"])
    }

    @Test("records round-trip; an unknown record kind or version is refused with its reason")
    func recordFormat() throws {
        let state = PartitionUserState(id: "ü-1", lastSource: EventSource(partition: 3, offset: 77), eventCount: 4,
                                       publishedCount: 2, mfCount: 4, bias: -0.25, factors: [0.5, -1, 2],
                                       seen: ["a", "b"], lastList: ["c"], sessionItems: ["a", "b"],
                                       sessionTimes: [10, .min], sessionLastEventMs: 10)
        let record = ChangelogRecord.user(state, writer: "w")
        #expect(try ChangelogRecord(key: record.key, value: record.value) == record)
        #expect(record.key == Array("ü-1".utf8))
        let m = ChangelogRecord.marker(marker("w:4", previous: "v:2", offset: 99, applied: 12), writer: "w")
        #expect(try ChangelogRecord(key: m.key, value: m.value) == m)
        #expect(m.key.first == 0xFF)
        #expect(throws: (any Error).self) { try ChangelogRecord(key: [1], value: [9, 0, 0, 0, 0]) }
        var future = state.encoded()
        future[0] = 2
        #expect(throws: (any Error).self) { try PartitionUserState(decoding: future) }
        #expect(throws: (any Error).self) { try PartitionUserState(decoding: Array(state.encoded().dropLast(3))) }
    }
}
