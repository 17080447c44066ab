import Testing
@testable import Events
import LinalgCore

@Suite("EventEncoder")
struct EventEncoderTests {
    @Test("writes the schema v1 fields with ts always present")
    func shape() {
        let e = Event(user: "u\"1", item: "i\n2", type: .rating, value: 4.5, timestampMs: 12)
        #expect(EventEncoder.jsonString(e) == #"{"user":"u\"1","item":"i\n2","type":"rating","value":4.5,"ts":12}"#)
        let c = Event(user: "u", item: "i", type: .click, timestampMs: 0)
        #expect(EventEncoder.jsonString(c) == #"{"user":"u","item":"i","type":"click","ts":0}"#)
        let ctl = Event(user: "a\u{01}b", item: "i", type: .view, timestampMs: 1)
        #expect(EventEncoder.jsonString(ctl).contains(#""a\u0001b""#))
    }

    @Test("encoder output decodes back to the same event for random events")
    func roundTrip() throws {
        var rng = SeededGenerator(seed: 7)
        let decoder = EventDecoder(limits: EventLimits(ratingRange: -Float.greatestFiniteMagnitude...Float.greatestFiniteMagnitude))
        let alphabet: [Character] = ["a", "Z", "0", "\"", "\\", "/", "\n", "\t", "\u{01}", "é", "中", "😀", " ", "{"]
        for _ in 0..<2_000 {
            func id() -> String {
                let n = 1 + Int(rng.next() % 12)
                return String((0..<n).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
            }
            let type = EventType.allCases[Int(rng.next() % 5)]
            let raw = Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()))
            let value: Float? = type == .rating || rng.next() % 2 == 0 ? (raw.isFinite ? raw : 1.25) : nil
            let event = Event(user: id(), item: id(), type: type, value: value,
                              timestampMs: Int64(rng.next() % UInt64(EventDecoder.maxTimestampMs)))
            let decoded = try decoder.decode(EventEncoder.json(event), fallbackTimestampMs: -1)
            #expect(decoded == event)
        }
    }
}
