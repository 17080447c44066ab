import Engine
import Events
import Foundation
import Models
import Testing

@Suite("Spilled session windows in checkpoints")
struct SessionSpillCheckpointTests {
    func spilledCore(_ fixture: SessionSpillFixture) throws -> RecommenderCore {
        let core = fixture.core { $0.session.maxUsers = 4 }
        for k in 0..<30 { try core.visit("u\(k)", seed: k, endingAt: 10_000 + Int64(k) * 1_000) }
        return core
    }

    @Test("through a CheckpointStore, spilled windows come back and restore the same vectors")
    func roundTrip() throws {
        let fixture = try SessionSpillFixture()
        let core = try spilledCore(fixture)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spill-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try CheckpointStore(directory: dir)
        try store.write(core.checkpoint(offsets: [:], writtenAtMs: 0).encoded(), sequence: core.appliedEvents)

        // After the checkpoint the live core keeps going; the restored one must reflect the file.
        try core.click("u0", 5, at: 3_600_000)
        let loaded = try #require(store.loadNewest().loaded)
        let (restored, _) = try RecommenderCore.restore(from: loaded.reader, configuration: fixture.configuration { $0.session.maxUsers = 4 })
        let stats = try #require(restored.sessionStatistics)
        #expect(stats.users <= 4 && stats.spilledUsers == 30 - stats.users)
        #expect(stats.spills.capacity > 0)
        #expect(restored.hasSpilledSession(for: "u0"))

        try restored.click("u0", 5, at: 3_600_000)
        #expect(restored.sessionVector(for: "u0") == core.sessionVector(for: "u0"))
        for k in [1, 7, 12] {
            try core.click("u\(k)", 2, at: 3_700_000)
            try restored.click("u\(k)", 2, at: 3_700_000)
            #expect(restored.sessionVector(for: "u\(k)") == core.sessionVector(for: "u\(k)"))
        }
        // Written again, the restored state reads back to the same figures.
        let again = restored.checkpoint(offsets: [:], writtenAtMs: 0).encoded()
        let (twice, _) = try RecommenderCore.restore(from: SnapshotReader(bytes: again), configuration: fixture.configuration())
        #expect(twice.sessionStatistics?.spilledUsers == restored.sessionStatistics?.spilledUsers)
        #expect(twice.sessionStatistics?.spills == restored.sessionStatistics?.spills)
    }

    @Test("a damaged spilled-session section is refused, naming it")
    func damagedSection() throws {
        let fixture = try SessionSpillFixture()
        let core = try spilledCore(fixture)
        var writer = core.checkpoint(offsets: [:], writtenAtMs: 0)
        var w = ByteWriter()
        w.append(UInt64(fixture.snapshot.model.itemCount))
        w.append(UInt64(fixture.snapshot.model.parameterCount))
        for _ in 0..<4 { w.append(Int64(0)) }
        w.append(UInt64(1))
        w.append(UInt64(3))
        w.append(bytes: [1, 9, 0])  // body length 9, two bytes follow
        writer.addSection("engine.session.spilled", bytes: w.bytes)
        #expect {
            try RecommenderCore.restore(from: SnapshotReader(bytes: writer.encoded()), configuration: fixture.configuration())
        } throws: { String(describing: $0).contains("spilled session") }
    }

    @Test("spilled windows cost little checkpoint space")
    func checkpointSize() throws {
        let fixture = try SessionSpillFixture(items: 30, window: 20)
        let live = fixture.core()
        let spilled = fixture.core { $0.session.idleTTLSeconds = 1 }
        for core in [live, spilled] {
            for u in 0..<300 {
                for k in 0..<20 { try core.click("user-\(u)", (u + k * 7) % 30, at: Int64(k) * 1_000) }
            }
        }
        spilled.sweepIdleSessions(nowMs: 100_000)
        #expect(spilled.sessionStatistics?.spilledUsers == 300)
        let a = live.checkpoint(offsets: [:], writtenAtMs: 0).encoded().count
        let b = spilled.checkpoint(offsets: [:], writtenAtMs: 0).encoded().count
        print("checkpoint bytes, 300 users, W = 20: windows held \(a), windows spilled \(b)")
        #expect(b < a)
    }
}
