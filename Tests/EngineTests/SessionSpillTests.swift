import Engine
import Events
import Foundation
import Models
import Testing

@Suite("Session state spilled by LRU, TTL and user eviction, and restored when users come back")
struct SessionSpillTests {
    /// The stream both engines see: `x` visits, twenty others visit later, then `x` comes back.
    func feed(_ core: RecommenderCore, others: Int = 20) throws {
        try core.visit("x", seed: 1, endingAt: 10_000)
        for k in 0..<others { try core.visit("u\(k)", seed: k + 2, endingAt: 20_000 + Int64(k) * 1_000) }
    }

    @Test("LRU: a spilled user returns with exactly the vector of a user never spilled")
    func lruRoundTrip() throws {
        let fixture = try SessionSpillFixture()
        let small = fixture.core { $0.session.maxUsers = 4 }
        let large = fixture.core()
        try feed(small)
        try feed(large)
        let before = try #require(small.sessionStatistics)
        #expect(before.users <= 4)
        #expect(small.sessionVector(for: "x") == nil && small.hasSpilledSession(for: "x"))
        #expect(before.spilledUsers == 21 - before.users)
        #expect(before.spills.capacity == Int64(before.spilledUsers))
        #expect(before.spillBytes > 0)

        try small.click("x", 9, at: 3_600_000)
        try large.click("x", 9, at: 3_600_000)
        let restored = try #require(small.sessionVector(for: "x"))
        #expect(restored == large.sessionVector(for: "x"))
        #expect(!small.hasSpilledSession(for: "x"))
        let after = try #require(small.sessionStatistics)
        #expect(after.spills.restored == before.spills.restored + 1)
        #expect(small.currentList(for: "x", k: 10, wallClockMs: 0)?.items.map(\.item)
            == large.currentList(for: "x", k: 10, wallClockMs: 0)?.items.map(\.item))

        // A list request restores too (u0 was spilled early), with the same vector.
        #expect(small.hasSpilledSession(for: "u0"))
        let list = small.currentList(for: "u0", k: 10, wallClockMs: 0)?.items.map(\.item)
        #expect(small.sessionVector(for: "u0") == large.sessionVector(for: "u0"))
        #expect(list == large.currentList(for: "u0", k: 10, wallClockMs: 0)?.items.map(\.item))
        #expect(small.sessionStatistics!.users <= 4)
    }

    @Test("a spilled record is far smaller than a live state")
    func spilledBytesPerUser() throws {
        let fixture = try SessionSpillFixture(items: 30, window: 20)
        let core = fixture.core { $0.session.maxUsers = 100; $0.session.idleTTLSeconds = 60 }
        for u in 0..<300 {
            for k in 0..<20 { try core.click("user-\(u)", (u + k * 7) % 30, at: Int64(u) * 100_000 + Int64(k) * 1_000) }
        }
        core.sweepIdleSessions(nowMs: 1_000_000_000_000)
        let stats = try #require(core.sessionStatistics)
        #expect(stats.users == 0 && stats.spilledUsers == 300)
        let perSpilled = stats.spillBytes / stats.spilledUsers
        print("session bytes per user: live \(stats.bytesPerUser), spilled \(perSpilled)")
        #expect(perSpilled * 2 < stats.bytesPerUser)
    }

    @Test("TTL: the sweep spills users idle past the TTL (event time); they are restored on return")
    func ttlSweep() throws {
        let fixture = try SessionSpillFixture()
        let ttl = fixture.core { $0.session.idleTTLSeconds = 60 }
        let keep = fixture.core { $0.session.idleTTLSeconds = 0 }
        for core in [ttl, keep] {
            for k in 0..<10 { try core.visit("u\(k)", seed: k, endingAt: 10_000) }
            try core.click("late", 4, at: 100_000)
        }
        // A refresh round sweeps, judged by the newest event time (100 s): u0…u9 are 90 s idle.
        ttl.refresh(nowMs: 0, wallClockMs: 0, force: true) { _ in }
        keep.refresh(nowMs: 0, wallClockMs: 0, force: true) { _ in }
        let stats = try #require(ttl.sessionStatistics)
        #expect(stats.users == 1 && stats.spilledUsers == 10)
        #expect(stats.spills.idle == 10 && stats.spills.capacity == 0)
        #expect(keep.sessionStatistics?.users == 11 && keep.sessionStatistics?.spilledUsers == 0)
        #expect(ttl.sweepIdleSessions(nowMs: 100_000) == 0)
        #expect(ttl.sweepIdleSessions(nowMs: 160_001) == 1)

        // Back after two hours: the window continues (the gap is a model input, not a reset).
        try ttl.click("u3", 20, at: 7_300_000)
        try keep.click("u3", 20, at: 7_300_000)
        #expect(ttl.sessionVector(for: "u3") == keep.sessionVector(for: "u3"))
        #expect(ttl.sessionStatistics?.spills.restored == 1)
        #expect(ttl.sessionStatistics?.spilledUsers == 10)
    }

    @Test("the refresh sweep's clock is capped at the wall clock: a future-stamped event expires nobody")
    func futureEvent() throws {
        let fixture = try SessionSpillFixture()
        let core = fixture.core { $0.session.idleTTLSeconds = 60 }
        for k in 0..<5 { try core.visit("u\(k)", seed: k, endingAt: 10_000) }
        try core.click("clock-skew", 1, at: 10_000_000_000_000)
        core.refresh(nowMs: 0, wallClockMs: 50_000, force: true) { _ in }
        #expect(core.sessionStatistics?.spilledUsers == 0)
        core.refresh(nowMs: 0, wallClockMs: 80_000, force: true) { _ in }
        #expect(core.sessionStatistics?.spilledUsers == 5)
        #expect(core.sessionStatistics?.users == 1)
    }

    @Test("engine user eviction spills the window under the id; the user gets it back on return")
    func userEviction() throws {
        let fixture = try SessionSpillFixture()
        let small = fixture.core { $0.maxUsers = 10 }
        let large = fixture.core()
        try feed(small, others: 30)
        try feed(large, others: 30)
        #expect(small.users.index(of: "x") == nil)
        #expect(small.hasSpilledSession(for: "x"))
        let stats = try #require(small.sessionStatistics)
        #expect(stats.spills.userEvicted == small.evictedUsers)
        try small.click("x", 9, at: 3_600_000)
        try large.click("x", 9, at: 3_600_000)
        #expect(small.sessionVector(for: "x") == large.sessionVector(for: "x"))
    }

    @Test("spilling off: evicted windows are forgotten and the returning user starts over")
    func spillingOff() throws {
        let fixture = try SessionSpillFixture()
        let off = fixture.core { $0.session.maxUsers = 4; $0.session.maxSpilledUsers = 0 }
        try feed(off)
        let stats = try #require(off.sessionStatistics)
        #expect(stats.spilledUsers == 0 && stats.spills.capacity > 0)
        try off.click("x", 9, at: 3_600_000)
        let fresh = fixture.core()
        try fresh.click("x", 9, at: 3_600_000)
        #expect(off.sessionVector(for: "x") == fresh.sessionVector(for: "x"))
        #expect(off.sessionStatistics?.spills.restored == 0)
    }

    @Test("max_spilled_users: beyond it the oldest spilled windows are forgotten")
    func spillCapacity() throws {
        let fixture = try SessionSpillFixture()
        let core = fixture.core { $0.session.maxUsers = 2; $0.session.maxSpilledUsers = 5 }
        try feed(core)
        let stats = try #require(core.sessionStatistics)
        #expect(stats.spilledUsers == 5)
        #expect(stats.spillForgotten == stats.spills.capacity - 5)
        #expect(!core.hasSpilledSession(for: "x"))
        #expect(core.hasSpilledSession(for: "u17"))
    }
}
