import Foundation
import Testing
@testable import Events

/// Throughput figures, printed only. Off by default; run in release with
/// `EVENTS_BENCH=1 swift test -c release --filter EventsBenchmarks`.
@Suite("EventsBenchmarks", .serialized, .enabled(if: ProcessInfo.processInfo.environment["EVENTS_BENCH"] == "1"))
struct EventsBenchmarks {
    private func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = ContinuousClock.now
        try body()
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    @Test("decoder, encoder and generator throughput")
    func throughput() throws {
        var g = EventGenerator(configuration: GeneratorConfiguration(users: 20_000, items: 10_000, ratingFraction: 0.2))
        var events: [Event] = []
        let gen = seconds { events = g.generate(count: 200_000) }
        print("generate (20k users, 10k items): \(Int(Double(events.count) / gen)) events/s")
        var messages: [[UInt8]] = []
        let enc = seconds { messages = events.map { EventEncoder.json($0) } }
        print("encode: \(Int(Double(events.count) / enc)) events/s")
        let bytes = messages.reduce(0) { $0 + $1.count }
        let decoder = EventDecoder()
        var mismatches = 0
        let dec = try seconds {
            for _ in 0..<5 {
                for (m, original) in zip(messages, events) {
                    try m.withUnsafeBytes { raw in
                        let back = try decoder.decode(raw, fallbackTimestampMs: 0)
                        if back.user != original.user || back.item != original.item || back.timestampMs != original.timestampMs { mismatches += 1 }
                    }
                }
            }
        }
        print("decode: \(Int(Double(messages.count * 5) / dec)) events/s, \(Int(Double(bytes * 5) / dec / 1e6)) MB/s, mean \(bytes / messages.count) bytes")
        // Every message decodes back to the event it was encoded from.
        #expect(mismatches == 0)
    }

    @Test("dataset file reading time")
    func files() throws {
        guard let root = datasetsDirectory() else {
            print("skipped: shared/datasets not found beside the checkout")
            return
        }
        for name in ["ml-100k/u.data", "ml-latest-small/ratings.csv", "amazon-beauty-s3rec/Beauty.txt"] {
            let path = root + "/" + name
            guard FileManager.default.fileExists(atPath: path) else { continue }
            var count = 0
            let t = try seconds { count = try InteractionFileReader.read(path: path).count }
            print("read \(name): \(count) events in \(Int(t * 1_000)) ms")
        }
    }
}
