import Engine
import Linalg
import Testing

@Suite("Identifier map")
struct IdentifierMapTests {
    @Test("random inserts, forgets and reassigns agree with a dictionary at every step")
    func matchesDictionary() {
        var rng = SeededGenerator(seed: 5)
        var map = IdentifierMap()
        var reference: [String: Int32] = [:]
        var names: [String] = []  // reference's id of each index ("" when forgotten)
        // Short, 8-byte and long ids, and a small pool so that the same ids come back.
        func name(_ n: Int) -> String {
            switch n % 3 {
            case 0: return "u\(n)"
            case 1: return "item-\(n + 100)"
            default: return "a-rather-long-external-identifier-\(n)"
            }
        }
        for step in 0..<20_000 {
            let roll = rng.nextInt(below: 10)
            if roll < 6 || names.isEmpty {
                let id = name(rng.nextInt(below: 3_000))
                let (index, inserted) = map.insert(id)
                if let known = reference[id] {
                    #expect(!inserted && index == known, "step \(step)")
                } else {
                    #expect(inserted && Int(index) == names.count, "step \(step)")
                    reference[id] = index
                    names.append(id)
                }
            } else if roll < 8 {
                let index = Int32(rng.nextInt(below: names.count))
                map.forget(index)
                if !names[Int(index)].isEmpty { reference[names[Int(index)]] = nil }
                names[Int(index)] = ""
            } else {
                let index = Int32(rng.nextInt(below: names.count))
                let id = name(3_000 + rng.nextInt(below: 3_000))
                guard reference[id] == nil else { continue }
                map.reassign(index, to: id)
                if !names[Int(index)].isEmpty { reference[names[Int(index)]] = nil }
                names[Int(index)] = id
                reference[id] = index
            }
            if step % 500 == 0 || step == 19_999 {
                #expect(map.ids == names, "step \(step)")
                for n in 0..<6_000 {
                    let id = name(n)
                    #expect(map.index(of: id) == reference[id], "step \(step), id \(id)")
                }
            }
        }
        #expect(map.index(of: "") == nil)
    }

    @Test("built from ids: empty rows are unnamed, the last of duplicates wins, lookups find the rest")
    func fromIds() {
        var map = IdentifierMap(ids: ["a", "", "b", "a", "ü-é", "0123456789abcdef"])
        #expect(map.count == 6)
        #expect(map.index(of: "a") == 3)
        #expect(map.index(of: "b") == 2)
        #expect(map.index(of: "ü-é") == 4)
        #expect(map.find("0123456789abcdef") == 5)
        #expect(map.index(of: "") == nil)
        #expect(map.index(of: "c") == nil)
        #expect(map.insert("c") == (6, true))
        #expect(map.id(at: 6) == "c")
    }
}
