import StreamRecTestKit
import Engine
import Events
import Foundation
import Kafka
import Linalg
import Testing
import Pipeline

/// The closed loop on librdkafka's mock cluster: events in through a separate producer, lists and
/// dead letters read back through a separate consumer.
@Suite("Pipeline on the mock cluster", .serialized)
struct PipelineIntegrationTests {
    /// Malformed messages and the reason each must carry on the dead-letter topic.
    static let badMessages: [(String, String)] = [
        ("not json at all", "not_json"),
        (#"{"item":"a1"}"#, "missing_field"),
        (#"{"user":"","item":"a1"}"#, "empty_id"),
        (#"{"user":17,"item":"a1"}"#, "wrong_type"),
        (#"{"user":"x","item":"a1","type":"teleport"}"#, "unknown_type"),
        (#"{"user":"x","item":"a1","type":"rating","value":9}"#, "rating_out_of_range"),
        (#"{"user":"x","item":"a1","type":"rating"}"#, "missing_value"),
        ("[1,2,3]", "not_object"),
        (#"{"user":"x","item":"a1","value":"4"}"#, "wrong_type"),
        (#"{"user":"x","item":""#, "not_json"),
    ]

    @Test("every active user gets a list without seen items; planted tastes win; bad input is dead-lettered")
    func closedLoop() throws {
        let kafka = try KafkaTestHarness(partitions: 3)
        let stream = PlantedStream()
        var engine = EngineConfiguration()
        engine.debounceMs = 0
        engine.model.seed = 5
        let pipeline = try StreamPipeline(configuration: kafka.pipelineConfiguration(), engine: engine, logger: quietLogger())
        let runner = PipelineRunner(pipeline)

        // Interleave the bad messages with the good ones.
        let stride = stream.events.count / (Self.badMessages.count + 1)
        var bad = 0
        for (i, event) in stream.events.enumerated() {
            try kafka.send(event)
            if i > 0, i % stride == 0, bad < Self.badMessages.count {
                try kafka.sendRaw(key: "bad", value: Array(Self.badMessages[bad].0.utf8))
                bad += 1
            }
        }
        // One oversized message (above the 64 KiB default limit).
        let huge = #"{"user":"x","item":""# + String(repeating: "z", count: 70_000) + #""}"#
        try kafka.sendRaw(key: "bad", value: Array(huge.utf8))
        kafka.flush()

        let expectedBad = Self.badMessages.count + 1
        let streamApplied = runner.wait(timeout: 60) {
            $0.applied == Int64(stream.events.count) && $0.deadLetteredTotal == Int64(expectedBad)
        }
        #expect(streamApplied)
        // One more click by the probe, on an item it has seen: its last list is then scored with
        // factors that learned the whole stream, however the stream was cut into fetches.
        let closing = Event(user: "probe", item: "a0", type: .click, timestampMs: (stream.events.last?.timestampMs ?? 0) + 1)
        try kafka.send(closing)
        kafka.flush()
        let caughtUp = runner.wait(timeout: 60) { $0.applied == Int64(stream.events.count + 1) }
        try runner.stop()
        let stats = pipeline.statsSnapshot()
        #expect(caughtUp, "applied \(stats.applied)/\(stream.events.count + 1), dead-lettered \(stats.deadLetteredTotal)/\(expectedBad)")
        #expect(stats.applied == Int64(stream.events.count + 1))

        // Dead letters: original bytes, the right reason, the source position.
        let letters = try kafka.readAll(kafka.deadLetter, partitions: 1)
        #expect(letters.count == expectedBad)
        var expectedReasons = Dictionary(grouping: Self.badMessages.map { ($0.0, $0.1) }, by: { $0.0 }).mapValues { $0[0].1 }
        expectedReasons[huge] = "oversized"
        for letter in letters {
            let original = String(decoding: letter.value, as: UTF8.self)
            #expect(letter.headers["streamrec.reason"] == expectedReasons[original], "\(original.prefix(60))")
            #expect(letter.headers["streamrec.source"]?.hasPrefix("events/") == true)
            #expect(letter.headers["streamrec.detail"]?.isEmpty == false)
        }

        // Lists: the latest per user (records of one user share a partition, so offset order is time order).
        let records = try kafka.readAll(kafka.output, partitions: kafka.partitions)
        var latest: [String: ParsedList] = [:]
        for record in records.sorted(by: { ($0.partition, $0.offset) < ($1.partition, $1.offset) }) {
            let list = try #require(record.list, "unparseable list: \(String(decoding: record.value, as: UTF8.self))")
            #expect(record.key == list.user)
            // Early lists of a user with fewer than min_events_for_personal events are popularity's.
            #expect(list.model == "bmf" || list.model == "popularity", "\(list.model)")
            latest[list.user] = list
        }
        #expect(Set(latest.keys) == Set(stream.seen.keys), "users without a list: \(Set(stream.seen.keys).subtracting(latest.keys).sorted().prefix(5))")
        for (user, list) in latest {
            #expect(list.model == "bmf", "\(user): \(list.model)")
            #expect(list.items.count == 10)
            #expect(Set(list.items).isDisjoint(with: stream.seen[user] ?? []), "\(user) was offered an item already seen")
            #expect(list.scores == list.scores.sorted(by: >), "\(user): scores not descending")
        }

        // The probe (ten group-0 items) must get the other group-0 items above the rest.
        let probe = try #require(latest["probe"])
        let planted = probe.items.filter { $0.hasPrefix("a") }.count
        #expect(planted >= 8, "probe list: \(probe.items)")
        // And the whole population: most list slots come from the user's own group.
        var own = 0, total = 0
        for (user, list) in latest where user != "probe" {
            let prefix = stream.groupOf[user] == 0 ? "a" : "b"
            own += list.items.filter { $0.hasPrefix(prefix) }.count
            total += list.items.count
        }
        #expect(Double(own) / Double(total) > 0.8, "own-group share \(own)/\(total)")
    }
}
