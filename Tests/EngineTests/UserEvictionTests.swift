@testable import Engine
import Events
import Models
import Testing

@Suite("User and session eviction by recency, in batches")
struct UserEvictionTests {
    /// A core capped at `cap` users holding `u0`..`u<cap-1>`, one click each in that order.
    func fullCore(cap: Int, _ tweak: (inout EngineConfiguration) -> Void = { _ in }) throws -> RecommenderCore {
        var c = EngineConfiguration()
        c.maxUsers = cap
        c.model.factors = 4
        tweak(&c)
        let core = RecommenderCore(configuration: c)
        for u in 0..<cap { try core.click("u\(u)", u % 30, at: Int64(u)) }
        return core
    }

    /// Which of `u<range>` are still held.
    func held(_ core: RecommenderCore, _ range: Range<Int>) -> [Bool] {
        range.map { core.users.index(of: "u\($0)") != nil }
    }

    @Test("recency list: touch moves a row to the newest end, remove and removeOldest unlink it")
    func recencyList() {
        var list = RecencyList()
        list.grow(to: 6)
        for row: Int32 in [3, 1, 4, 0] { list.touch(row) }
        #expect(list.rowsOldestFirst == [3, 1, 4, 0])
        list.touch(1)
        list.touch(0)
        #expect(list.rowsOldestFirst == [3, 4, 1, 0])
        list.touch(0)  // already the newest
        list.remove(4)
        list.remove(5)  // not in the list
        #expect(list.rowsOldestFirst == [3, 1, 0] && list.count == 3 && !list.contains(4))
        #expect(list.removeOldest() == 3)
        #expect(list.removeOldest() == 1)
        #expect(list.rowsOldestFirst == [0] && list.oldest == 0 && list.newest == 0)
        #expect(list.removeOldest() == 0)
        #expect(list.removeOldest() == nil && list.count == 0)
        list.touch(2)
        #expect(list.rowsOldestFirst == [2])
    }

    @Test("a full table evicts the 64 least recently active users, oldest first; new users take their rows in that order")
    func evictsOldestBatch() throws {
        let core = try fullCore(cap: 2_000)
        // u0..u99 come back: now the most recent, so u100 is the oldest.
        for u in 0..<100 { try core.click("u\(u)", 5, at: 10_000 + Int64(u)) }
        try core.click("n0", 1, at: 20_000)
        #expect(RecommenderCore.evictionBatch == 64)
        #expect(core.evictedUsers == 64)
        #expect(held(core, 100..<164).allSatisfy { !$0 })
        #expect(held(core, 164..<2_000).allSatisfy { $0 })
        #expect(held(core, 0..<100).allSatisfy { $0 })
        #expect(core.users.index(of: "n0") == 100)
        // The other 63 freed rows serve the next new users without another eviction.
        for k in 1..<64 { try core.click("n\(k)", 1, at: 20_000 + Int64(k)) }
        #expect(core.evictedUsers == 64)
        #expect(core.users.index(of: "n63") == 163)
        // The next one evicts the following 64 (u164..u227); the new users are recent, so they stay.
        try core.click("n64", 1, at: 30_000)
        #expect(core.evictedUsers == 128)
        #expect(held(core, 164..<228).allSatisfy { !$0 } && core.users.index(of: "u228") != nil)
        #expect((0..<65).allSatisfy { core.users.index(of: "n\($0)") != nil })
        #expect(core.users.count == 2_000)
    }

    @Test("a small table evicts a twentieth at a time")
    func smallTableTwentieth() throws {
        let core = try fullCore(cap: 100)
        try core.click("n0", 1, at: 1_000)
        #expect(core.evictedUsers == 5)
        #expect(held(core, 0..<5) == [false, false, false, false, false] && held(core, 5..<100).allSatisfy { $0 })
    }

    @Test("a queued victim's entry passes to the row's next user, or is dropped while the row is free; no list twice")
    func dirtyVictimsKeepOneEntry() throws {
        let core = try fullCore(cap: 40)
        #expect(core.dirtyCount == 40)
        try core.click("n0", 1, at: 1_000)
        // u0 and u1 are evicted (a twentieth of 40) without scanning the queue; n0 takes u0's
        // row and its queue entry, u1's row is free with its entry still queued.
        #expect(core.evictedUsers == 2)
        #expect(core.dirtyCount == 40)
        var users: [String] = []
        core.refresh(nowMs: 10_000, wallClockMs: 10_000, force: true) { users.append($0.user) }
        #expect(users.count == 39 && Set(users).count == 39)
        #expect(!users.contains("u0") && !users.contains("u1") && !users.contains("") && users.contains("n0"))
        #expect(core.dirtyCount == 0)
        // The free row is queued again, once, when its next user arrives.
        try core.click("n1", 2, at: 2_000)
        #expect(core.users.index(of: "n1") == 1 && core.dirtyCount == 1)
        users = []
        core.refresh(nowMs: 20_000, wallClockMs: 20_000, force: true) { users.append($0.user) }
        #expect(users == ["n1"])
    }

    @Test("a checkpoint keeps the eviction order: the restored core evicts the same users")
    func orderSurvivesCheckpoint() throws {
        let core = try fullCore(cap: 2_000)
        for u in stride(from: 1_999, through: 1_000, by: -1) { try core.click("u\(u)", 3, at: 10_000) }
        try core.click("n0", 1, at: 20_000)  // evicts u0..u63, leaves 63 free rows
        let bytes = core.checkpoint(offsets: [:], writtenAtMs: 0).encoded()
        let (restored, _) = try RecommenderCore.restore(from: SnapshotReader(bytes: bytes), configuration: core.configuration)
        for k in 1...64 {
            try core.click("n\(k)", 1, at: 30_000)
            try restored.click("n\(k)", 1, at: 30_000)
        }
        #expect(core.evictedUsers == 128 && restored.evictedUsers == 128)
        let a = held(core, 0..<2_000), b = held(restored, 0..<2_000)
        #expect(a == b)
        #expect(held(restored, 64..<128).allSatisfy { !$0 } && held(restored, 128..<2_000).allSatisfy { $0 })
        #expect(restored.table.recency.rowsOldestFirst == core.table.recency.rowsOldestFirst)
    }

    @Test("a full session table spills its 64 least recently active states")
    func sessionSpillBatch() throws {
        let fixture = try SessionSpillFixture()
        let core = fixture.core { $0.session.maxUsers = 2_000 }
        for u in 0..<2_000 { try core.click("u\(u)", u % 30, at: Int64(u) * 1_000) }
        for u in 0..<10 { try core.click("u\(u)", 2, at: 3_000_000 + Int64(u)) }
        try core.click("n0", 1, at: 4_000_000)
        let stats = try #require(core.sessionStatistics)
        #expect(stats.spills.capacity == 64)
        #expect((10..<74).allSatisfy { core.hasSpilledSession(for: "u\($0)") })
        #expect(!core.hasSpilledSession(for: "u74") && core.sessionVector(for: "u74") != nil)
        #expect((0..<10).allSatisfy { core.sessionVector(for: "u\($0)") != nil })
    }
}
