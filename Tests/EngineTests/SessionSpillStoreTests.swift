@testable import Engine
import Linalg
import Models
import Testing

@Suite("Packed store of spilled session windows")
struct SessionSpillStoreTests {
    /// A window of `n` steps with items and times derived from `k` (every fifth step has no time,
    /// and times go backwards now and then).
    func window(_ k: Int, steps n: Int) -> SessionWindow {
        var w = SessionWindow(capacity: 8)
        for j in 0..<n {
            let time: Int64? = j % 5 == 4 ? nil : 1_700_000_000_000 + Int64(k) * 10_000 + Int64(j * 997) - Int64(j % 3) * 5_000
            w.append(SessionStep(item: Int32((k * 13 + j) % 5_000), timestampMs: time))
        }
        return w
    }

    func id(_ k: Int) -> String { k % 2 == 0 ? "u\(k)" : "a-much-longer-user-identifier-\(k)" }

    @Test("windows come back exactly, after removals and compactions")
    func roundTripAndCompaction() throws {
        var store = SessionSpillStore(capacity: 10_000)
        for k in 0..<600 { store.put(id: id(k), window: window(k, steps: 1 + k % 12), lastEventMs: 1_800_000_000_000 + Int64(k)) }
        #expect(store.count == 600)
        let full = store.arena.count
        for k in 0..<600 where k % 3 != 0 {
            let taken = store.take(id(k))
            #expect(taken != nil)
        }
        #expect(store.count == 200)
        #expect(store.arena.count < full && store.deadBytes * 2 <= store.liveBytes)
        #expect(store.arena.count == store.liveBytes + store.deadBytes)
        for k in stride(from: 0, to: 600, by: 3) {
            let taken = store.take(id(k))
            let back = try #require(taken)
            let steps = window(k, steps: 1 + k % 12).steps
            #expect(back.items == steps.map(\.item))
            #expect(back.timestamps == steps.map(\.timestampMs))
            #expect(back.lastEventMs == 1_800_000_000_000 + Int64(k))
        }
        let gone = store.take("u0")
        #expect(store.count == 0 && gone == nil)
    }

    @Test("a put replaces the window held for the id; capacity forgets the oldest")
    func replaceAndCapacity() {
        var store = SessionSpillStore(capacity: 3)
        store.put(id: "a", window: window(1, steps: 2), lastEventMs: 1)
        store.put(id: "a", window: window(2, steps: 3), lastEventMs: 2)
        #expect(store.count == 1)
        for name in ["b", "c", "d"] { store.put(id: name, window: window(3, steps: 1), lastEventMs: 3) }
        #expect(store.count == 3 && store.forgotten == 1)
        #expect(!store.contains("a") && store.contains("b") && store.contains("d"))
        var off = SessionSpillStore(capacity: 0)
        off.put(id: "a", window: window(1, steps: 2), lastEventMs: 1)
        #expect(off.count == 0)
    }

    @Test("checkpoint bytes read back; records with items beyond the model are refused")
    func checkpointBytes() throws {
        var store = SessionSpillStore(capacity: 100)
        for k in 0..<20 { store.put(id: id(k), window: window(k, steps: 5), lastEventMs: Int64(k)) }
        _ = store.take(id(4))
        var w = ByteWriter()
        store.write(into: &w)
        var back = SessionSpillStore(capacity: 100)
        var r = ByteReader(w.bytes)
        try back.read(from: &r, itemCount: 5_000)
        #expect(back.count == 19 && !back.contains(id(4)))
        let seventh = back.take(id(7))
        #expect(seventh?.items == window(7, steps: 5).steps.map(\.item))
        var small = SessionSpillStore(capacity: 100)
        var again = ByteReader(w.bytes)
        #expect(throws: SnapshotError.self) { try small.read(from: &again, itemCount: 10) }
    }

    @Test("bytes per spilled window on a realistic shape: W = 20, 50,000 items, gaps of seconds to hours")
    func realisticSize() {
        var rng = SeededGenerator(seed: 5)
        var store = SessionSpillStore(capacity: 100_000)
        let users = 5_000
        for u in 0..<users {
            var w = SessionWindow(capacity: 20)
            var t: Int64 = 1_760_000_000_000 + Int64(rng.next() % 86_400_000)
            for _ in 0..<20 {
                w.append(SessionStep(item: Int32(rng.next() % 50_000), timestampMs: t))
                t += Int64(rng.next() % (rng.next() % 8 == 0 ? 10_800_000 : 600_000))
            }
            store.put(id: "user-\(1_000_000 + u * 37)", window: w, lastEventMs: t)
        }
        let perWindow = store.estimatedBytes / users
        let arenaPerWindow = store.arena.count / users
        let live = 20 * (4 + 1 + 8) + 64 * 4 + 4 * 32  // a held state at W = 20, H = 64
        print("spilled window: \(arenaPerWindow) bytes packed, \(perWindow) bytes with its index; held state \(live) bytes")
        #expect(perWindow * 3 < live * 2)
    }
}
