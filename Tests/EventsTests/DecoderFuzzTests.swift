import Testing
@testable import Events
import LinalgCore

@Suite("Decoder robustness")
struct DecoderFuzzTests {
    static let reasons = Set(EventDecodingError.Code.allCodes.map(\.reason))

    @Test("100k random and mutated messages end in a known reason or a valid event")
    func fuzz() {
        var rng = SeededGenerator(seed: 2024)
        var g = EventGenerator(configuration: GeneratorConfiguration(users: 20, items: 20, ratingFraction: 0.3, seed: 5))
        let seeds: [[UInt8]] = (0..<64).map { _ in EventEncoder.json(g.next()) } + [
            Array(#"{"user":"a\ud83d\ude00","item":"b","x":{"y":[1,2.5e-3,true,null,"\u00e9"]},"ts":12}"#.utf8),
            Array(#"{"user":"a","item":"b","value":4,"type":"rating"}"#.utf8),
        ]
        let decoder = EventDecoder(limits: EventLimits(maxMessageBytes: 4_096, maxDepth: 8))
        let interesting: [UInt8] = Array(#"{}[]",:\-+.eE0123456789tfnNIu "#.utf8) + [0x00, 0x1F, 0x7F, 0x80, 0xBF, 0xC0, 0xED, 0xF4, 0xFF]
        var valid = 0
        var seen: Set<String> = []
        for round in 0..<100_000 {
            var bytes: [UInt8]
            if round % 10 == 0 {
                bytes = (0..<rng.nextInt(below: 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            } else {
                bytes = seeds[rng.nextInt(below: seeds.count)]
                for _ in 0...rng.nextInt(below: 4) {
                    let pos = rng.nextInt(below: bytes.count + 1)
                    switch rng.nextInt(below: 5) {
                    case 0: if pos < bytes.count { bytes[pos] = interesting[rng.nextInt(below: interesting.count)] }
                    case 1: bytes.insert(interesting[rng.nextInt(below: interesting.count)], at: pos)
                    case 2: if pos < bytes.count { bytes.remove(at: pos) }
                    case 3: bytes = Array(bytes[..<pos])
                    default:
                        let open: UInt8 = rng.next() % 2 == 0 ? 0x5B : 0x7B
                        bytes.insert(contentsOf: [UInt8](repeating: open, count: rng.nextInt(below: 40)), at: pos)
                    }
                }
            }
            do {
                let e = try decoder.decode(bytes, fallbackTimestampMs: 1)
                #expect(!e.user.isEmpty && !e.item.isEmpty)
                valid += 1
            } catch {
                seen.insert(error.reason)
                if !Self.reasons.contains(error.reason) {
                    Issue.record("unknown reason \(error.reason)")
                }
            }
        }
        #expect(valid > 1_000)
        #expect(seen.isSuperset(of: ["not_json", "invalid_utf8", "too_deep", "empty_id", "not_object"]))
    }

    @Test("hostile large inputs are rejected without deep recursion")
    func hostile() {
        let decoder = EventDecoder(limits: EventLimits(maxMessageBytes: 4 << 20))
        let deep = [UInt8](repeating: 0x5B, count: 2_000_000)
        #expect(throws: EventDecodingError(.tooDeep, offset: 16)) { try decoder.decode(deep, fallbackTimestampMs: 0) }
        let hugeString = Array(#"{"user":""#.utf8) + [UInt8](repeating: 0x61, count: 3_000_000) + Array(#"","item":"b"}"#.utf8)
        #expect(throws: EventDecodingError(.idTooLong, field: "user", offset: 8)) {
            try decoder.decode(hugeString, fallbackTimestampMs: 0)
        }
        let longNumber = Array(#"{"user":"a","item":"b","value":"#.utf8) + [UInt8](repeating: 0x31, count: 1_000_000) + [0x7D]
        #expect(throws: EventDecodingError(.nonFinite, field: "value", offset: 31)) {
            try decoder.decode(longNumber, fallbackTimestampMs: 0)
        }
        #expect(throws: EventDecodingError(.oversized)) {
            try EventDecoder().decode([UInt8](repeating: 0x20, count: 65_537), fallbackTimestampMs: 0)
        }
    }
}
