import Events
import Linalg
import Pipeline

/// Messages an attacker or a broken client might send: every one must end on the dead-letter
/// topic with a reason. Built from a seed so failures repeat.
struct HostileCorpus {
    private var rng: SeededGenerator
    private let decoder = EventDecoder()

    init(seed: UInt64) { rng = SeededGenerator(seed: seed) }

    private mutating func randomBytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) } }

    private mutating func validEvent() -> [UInt8] {
        Array(#"{"user":"u\#(rng.nextInt(below: 1000))","item":"i\#(rng.nextInt(below: 500))","type":"click","ts":\#(1_700_000_000_000 + rng.nextInt(below: 1_000_000))}"#.utf8)
    }

    /// One hostile payload and a label of its kind; `huge` permits the few very large ones.
    mutating func next(allowHuge: Bool) -> (payload: [UInt8], kind: String) {
        while true {
            let candidate: ([UInt8], String)
            switch rng.nextInt(below: allowHuge ? 12 : 11) {
            case 0: candidate = (randomBytes(1 + rng.nextInt(below: 120)), "random bytes")
            case 1:
                let v = validEvent()
                candidate = (Array(v.prefix(rng.nextInt(below: v.count))), "truncated JSON")
            case 2:
                let depth = 17 + rng.nextInt(below: 2_000)
                candidate = (Array((#"{"user":"u","item":"i","x":"# + String(repeating: "[", count: depth)
                                    + String(repeating: "]", count: depth) + "}").utf8), "deep nesting")
            case 3:
                var v = Array(#"{"user":"u"#.utf8) + [0xFF, 0xFE] + Array(#"","item":"i"}"#.utf8)
                if rng.nextInt(below: 2) == 0 { v = Array(#"{"user":"u","item":"\xC3"}"#.utf8).map { $0 == UInt8(ascii: "\\") ? 0xC3 : $0 } }
                candidate = (v, "invalid UTF-8")
            case 4:
                let token = ["NaN", "Infinity", "-Infinity", "1e999"][rng.nextInt(below: 4)]
                candidate = (Array(#"{"user":"u1","item":"i1","type":"rating","value":\#(token)}"#.utf8), "NaN/Infinity")
            case 5:
                let field = [#""value":"4""#, #""ts":"1700000000000""#, #""user":42"#, #""item":[1]"#][rng.nextInt(below: 4)]
                candidate = (Array(#"{"user":"u1","item":"i1","type":"rating",\#(field),"value":3}"#.utf8), "numbers as strings / wrong types")
            case 6: candidate = (Array(#"{"user":"","item":"i1"}"#.utf8), "empty id")
            case 7:
                let long = String(repeating: "k", count: 257 + rng.nextInt(below: 2_000))
                candidate = (Array(#"{"user":"\#(long)","item":"i1"}"#.utf8), "enormous id")
            case 8: candidate = (Array(#"{"user":"u1","item":"i1","type":"rating","value":\#(6 + rng.nextInt(below: 100))}"#.utf8), "rating out of range")
            case 9: candidate = ([], "empty message")
            case 10:
                var v = validEvent()
                v[rng.nextInt(below: v.count)] = UInt8(ascii: ["{", "}", "\"", ",", ":"][rng.nextInt(below: 5)])
                candidate = (v, "mutated JSON")
            default:
                let key = String(repeating: "x", count: 66_000)
                candidate = (Array(#"{"\#(key)":1,"user":"u1","item":"i1"}"#.utf8), "oversized (enormous key)")
            }
            // Only messages the decoder refuses count as hostile (a mutation can stay valid).
            let refused = candidate.0.withUnsafeBytes { raw in
                (try? decoder.decode(raw, fallbackTimestampMs: 0)) == nil
            }
            if refused { return candidate }
        }
    }
}
