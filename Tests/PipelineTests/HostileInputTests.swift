import StreamRecTestKit
import Engine
import Events
import Foundation
import Kafka
import Linalg
import Testing
import Pipeline

@Suite("Hostile input through the pipeline", .serialized)
struct HostileInputTests {
    @Test("100k hostile messages among good ones: all dead-lettered with a reason, all good applied, no crash")
    func hostileFlood() throws {
        let kafka = try KafkaTestHarness(partitions: 8, deadLetterPartitions: 8)
        var corpus = HostileCorpus(seed: 1234)
        var generator = EventGenerator(configuration: GeneratorConfiguration(users: 500, items: 300, seed: 8))
        var engine = EngineConfiguration()
        engine.debounceMs = 500
        let pipeline = try StreamPipeline(configuration: kafka.pipelineConfiguration(group: "hostile"), engine: engine,
                                          logger: quietLogger())
        let runner = PipelineRunner(pipeline)
        let rssBefore = residentBytes()

        let hostileCount = 100_000, goodCount = 20_000
        var kinds: [String: Int] = [:]
        var rng = SeededGenerator(seed: 99)
        var good = 0, hostile = 0, huge = 0
        while good < goodCount || hostile < hostileCount {
            if hostile < hostileCount && (good >= goodCount || rng.nextInt(below: 6) != 0) {
                let (payload, kind) = corpus.next(allowHuge: huge < 20)
                if kind.hasPrefix("oversized") { huge += 1 }
                kinds[kind, default: 0] += 1
                // Empty, ordinary and enormous Kafka keys.
                let key = hostile % 100 == 0 ? String(repeating: "K", count: 10_000) : (hostile % 2 == 0 ? "" : "k\(hostile)")
                try kafka.sendRaw(key: key, value: payload)
                hostile += 1
            } else {
                try kafka.send(generator.next())
                good += 1
            }
            if (good + hostile) % 20_000 == 0 { kafka.flush() }
        }
        kafka.flush()
        let done = runner.wait(timeout: 180) {
            $0.applied == Int64(goodCount) && $0.deadLetteredTotal == Int64(hostileCount)
        }
        try runner.stop()
        let stats = pipeline.statsSnapshot()
        let rssAfter = residentBytes()
        print("hostile: kinds \(kinds.sorted { $0.key < $1.key }), dead-lettered by reason \(stats.deadLettered.sorted { $0.key < $1.key }), RSS \(rssBefore >> 20) → \(rssAfter >> 20) MiB")
        #expect(done, "applied \(stats.applied)/\(goodCount), dead-lettered \(stats.deadLetteredTotal)/\(hostileCount)")
        #expect(stats.applied == Int64(goodCount))
        #expect(stats.deadLetteredTotal == Int64(hostileCount))
        #expect(kinds.count >= 11, "corpus kinds: \(kinds.keys.sorted())")

        // Every dead letter carries its reason, detail and source.
        let letters = try kafka.readAll(kafka.deadLetter, partitions: 8, quietMs: 2_000)
        #expect(letters.count == hostileCount)
        let known = Set(EventDecodingError.Code.allCodes.map(\.reason))
        let unexplained = letters.filter { !known.contains($0.headers["streamrec.reason"] ?? "") || ($0.headers["streamrec.source"] ?? "").isEmpty }
        #expect(unexplained.isEmpty, "\(unexplained.count) dead letters without a known reason")
    }
}
