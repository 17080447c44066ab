import Engine
import Events
import Foundation
import Kafka
import Pipeline
import StreamRecTestKit
import Testing

/// The item topic on the mock cluster: read from its start before events are applied, followed
/// afterwards; availability withdraws items from published lists; attributes place new items.
@Suite("Item topic on the mock cluster", .serialized)
struct ItemTopicTests {
    static func engine(debounceMs: Int64 = 1_000) -> EngineConfiguration {
        var engine = EngineConfiguration()
        engine.topK = 5
        engine.debounceMs = debounceMs
        engine.model.seed = 3
        return engine
    }

    /// Waits (without holding a thread of the concurrency pool, which the HTTP tests' servers
    /// need) until `condition` holds or `timeout` seconds pass; returns whether it held.
    static func eventually(_ timeout: Double = 30, _ condition: () -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return condition()
    }

    /// Runs blocking work (Kafka reads, a pipeline's drain) on a thread of its own.
    static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }

    /// The latest list of each user among `records` (records of one user share a partition).
    static func latest(_ records: [OutputRecord]) -> [String: ParsedList] {
        var out: [String: ParsedList] = [:]
        for record in records.sorted(by: { ($0.partition, $0.offset) < ($1.partition, $1.offset) }) {
            if let list = record.list { out[list.user] = list }
        }
        return out
    }

    @Test("an item made unavailable leaves every list on the output topic that held it, in one round")
    func unavailableLeavesEveryList() async throws {
        let kafka = try KafkaTestHarness(partitions: 2)
        var configuration = kafka.pipelineConfiguration(group: "items-withdraw", useGroup: false)
        configuration.itemsTopic = kafka.items
        let pipeline = try StreamPipeline(configuration: configuration, engine: Self.engine(), logger: quietLogger())
        let runner = PipelineRunner(pipeline)
        let stream = ClusterStream()
        for event in stream.events { try kafka.send(event) }
        kafka.flush()
        let users = stream.clusterOf.count
        // Every user's last event was applied and their list published (after the debounce).
        #expect(await Self.eventually(60) { runner.pipeline.statsSnapshot().applied == Int64(stream.events.count) })
        #expect(await Self.eventually(30) { pipeline.withCore { $0.dirtyCount == 0 } })
        let before = try await Self.offPool { try kafka.readAll(kafka.output, partitions: kafka.partitions) }
        let shown = Self.latest(before)
        #expect(shown.count == users)
        let counts = Dictionary(shown.values.flatMap(\.items).map { ($0, 1) }, uniquingKeysWith: +)
        let target = try #require(counts.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key)
        let holders = Set(shown.filter { $0.value.items.contains(target) }.keys)
        let published = pipeline.statsSnapshot().listsPublished

        try kafka.sendItem(ItemRecord(item: target, available: false))
        kafka.flush()
        #expect(await Self.eventually(30) { runner.pipeline.statsSnapshot().itemRecords == 1 && runner.pipeline.statsSnapshot().listsPublished == published + Int64(holders.count) })
        let after = try await Self.offPool { try kafka.readAll(kafka.output, partitions: kafka.partitions) }
        let stats = pipeline.statsSnapshot()
        try await Self.offPool { try runner.stop() }

        // Exactly one new list per holder, none of them with the item; nobody else republished.
        let old = Set(before.map { "\($0.partition)/\($0.offset)" })
        let fresh = after.filter { !old.contains("\($0.partition)/\($0.offset)") }
        #expect(stats.listsPublished == published + Int64(holders.count))
        #expect(fresh.count == holders.count, "\(fresh.count) new lists for \(holders.count) holders of \(target)")
        #expect(Set(fresh.map(\.key)) == holders)
        for record in fresh {
            let list = try #require(record.list)
            #expect(!list.items.contains(target), "\(list.user): \(list.items)")
            #expect(list.items.count == 5)
        }
        for (user, list) in Self.latest(after) {
            #expect(!list.items.contains(target), "\(user)'s current list still holds \(target)")
        }
        #expect(holders.count > 0)
    }

    @Test("a new item sharing a taste cluster's attribute is recommended to that cluster before its first event")
    func coldStartItemReachesItsCluster() async throws {
        let kafka = try KafkaTestHarness(partitions: 2)
        let stream = ClusterStream()
        // The catalog is on the topic before the daemon starts: the catch-up reads it.
        for record in stream.itemRecords { try kafka.sendItem(record) }
        kafka.flush()
        var configuration = kafka.pipelineConfiguration(group: "items-cold", useGroup: false)
        configuration.itemsTopic = kafka.items
        let pipeline = try StreamPipeline(configuration: configuration, engine: Self.engine(debounceMs: 0), logger: quietLogger())
        let runner = PipelineRunner(pipeline)
        #expect(await Self.eventually(30) { runner.pipeline.statsSnapshot().itemRestoreRecords == stream.itemRecords.count && runner.pipeline.statsSnapshot().assigned })
        for event in stream.events { try kafka.send(event) }
        kafka.flush()
        #expect(await Self.eventually(60) { runner.pipeline.statsSnapshot().applied == Int64(stream.events.count) })
        // The projection has taken 30 steps per described item (refresh rounds run while idle).
        let described = stream.itemRecords.count
        #expect(await Self.eventually(60) { pipeline.withCore { $0.catalog.projection.steps >= Int64(described * 30) } })

        try kafka.sendItem(ItemRecord(item: "a-new", attributes: [ClusterStream.attributes[0], "sku-a-new"]))
        kafka.flush()
        #expect(await Self.eventually(30) { runner.pipeline.statsSnapshot().itemRecords == Int64(described + 1) })
        // Each user clicks an item they already know: their lists are ranked again.
        var ts: Int64 = 1_800_000_000_000
        for user in stream.clusterOf.keys.sorted() {
            ts += 1
            try kafka.send(Event(user: user, item: stream.seen[user]!.sorted()[0], type: .click, timestampMs: ts))
        }
        kafka.flush()
        let total = stream.events.count + stream.clusterOf.count
        #expect(await Self.eventually(60) { runner.pipeline.statsSnapshot().applied == Int64(total) })
        #expect(await Self.eventually(30) { pipeline.withCore { $0.dirtyCount == 0 } })
        let info = pipeline.withCore { $0.itemInfo("a-new") }
        try await Self.offPool { try runner.stop() }
        #expect(info?.interactions == 0)
        #expect(info?.vector == .sideInformation)

        let lists = Self.latest(try await Self.offPool { try kafka.readAll(kafka.output, partitions: kafka.partitions) })
        var holders = [0, 0], users = [0, 0]
        for (user, cluster) in stream.clusterOf {
            let list = try #require(lists[user], "\(user) has no list")
            users[cluster] += 1
            if list.items.contains("a-new") { holders[cluster] += 1 }
        }
        print("item topic cold start: a-new in \(holders[0])/\(users[0]) cluster-a lists, \(holders[1])/\(users[1]) cluster-b lists")
        #expect(Double(holders[0]) >= 0.9 * Double(users[0]))
        #expect(Double(holders[1]) <= 0.2 * Double(users[1]))
    }

    /// Bad item records and the reason each must carry on the dead-letter topic.
    static let badRecords: [(key: String, value: String, reason: String)] = [
        ("x1", "not json", "not_json"),
        ("x2", #"{"available":false}"#, "missing_field"),
        ("x3", #"{"item":"x3","available":"no"}"#, "wrong_type"),
        ("x4", #"{"item":"x4","embedding":[1,2]}"#, "embedding_width"),
        ("x5", #"{"item":"x5","embedding":[1,2,3,"a"]}"#, "wrong_type"),
        ("k6", #"{"item":"x6"}"#, "key_mismatch"),
        ("x7", #"{"item":"x7","attributes":["a","b","c","d"]}"#, "too_many_attributes"),
        ("x8", #"{"item":""}"#, "empty_id"),
        ("x9", #"{"item":"x9","attributes":[""]}"#, "empty_id"),
        ("x10", #"{"item":"x10","ts":-5}"#, "bad_timestamp"),
        ("x11", "[1,2]", "not_object"),
        ("x12", #"{"item":"x12","available":true,"available":false}"#, "duplicate_field"),
    ]

    @Test("bad item records land in the dead-letter topic with their reasons, during the catch-up and after")
    func badRecordsAreDeadLettered() async throws {
        let kafka = try KafkaTestHarness(partitions: 1)
        let half = Self.badRecords.count / 2
        // Half before the start (read by the catch-up), half while the topic is followed.
        for bad in Self.badRecords.prefix(half) { try kafka.sendItemRaw(key: bad.key, value: Array(bad.value.utf8)) }
        try kafka.sendItem(ItemRecord(item: "good1", attributes: ["t"], embedding: [1, 0, 0, 0]))
        kafka.flush()
        var configuration = kafka.pipelineConfiguration(group: "items-bad", useGroup: false)
        configuration.itemsTopic = kafka.items
        var engine = Self.engine()
        engine.items.embeddingWidth = 4
        engine.items.maxAttributes = 3
        let pipeline = try StreamPipeline(configuration: configuration, engine: engine, logger: quietLogger())
        let runner = PipelineRunner(pipeline)
        #expect(await Self.eventually(30) { runner.pipeline.statsSnapshot().assigned && runner.pipeline.statsSnapshot().itemRestoreRecords == half + 1 })
        for bad in Self.badRecords.dropFirst(half) { try kafka.sendItemRaw(key: bad.key, value: Array(bad.value.utf8)) }
        try kafka.sendItem(ItemRecord(item: "good2", available: false))
        kafka.flush()
        let count = Int64(Self.badRecords.count)
        #expect(await Self.eventually(30) { runner.pipeline.statsSnapshot().itemRecords == 2 && runner.pipeline.statsSnapshot().deadLetteredTotal == count })
        let good1 = pipeline.withCore { $0.itemInfo("good1") }
        let good2Unavailable = pipeline.withCore { $0.isUnavailable(item: "good2") }
        let stats = pipeline.statsSnapshot()
        try await Self.offPool { try runner.stop() }
        #expect(stats.deadLetteredTotal == count)
        #expect(good1?.embeddingWidth == 4)
        #expect(good1?.attributes == ["t"])
        #expect(good2Unavailable)

        let letters = try await Self.offPool { try kafka.readAll(kafka.deadLetter, partitions: 1) }
        #expect(letters.count == Self.badRecords.count)
        let expected = Dictionary(uniqueKeysWithValues: Self.badRecords.map { ($0.value, $0.reason) })
        var sources = Set<String>()
        for letter in letters {
            let original = String(decoding: letter.value, as: UTF8.self)
            #expect(letter.headers["streamrec.reason"] == expected[original], "\(original)")
            #expect(letter.headers["streamrec.detail"]?.isEmpty == false)
            let source = try #require(letter.headers["streamrec.source"])
            #expect(source.hasPrefix("items/0/"), "\(source)")
            sources.insert(source)
        }
        // The good records sit at offsets `half` and the last one: neither was dead-lettered.
        #expect(sources.count == Self.badRecords.count)
        #expect(!sources.contains("items/0/\(half)"))
    }

    @Test("a restart reads the whole item topic again before applying events")
    func restartRestoresCatalog() async throws {
        let kafka = try KafkaTestHarness(partitions: 1, itemPartitions: 2)
        let n = 5_000
        for i in 0..<n {
            try kafka.sendItem(ItemRecord(item: "i\(i)", available: i % 10 != 0, attributes: ["cat\(i % 7)"]))
        }
        kafka.flush()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("items-restart-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = kafka.pipelineConfiguration(group: "items-restart", useGroup: false)
        configuration.itemsTopic = kafka.items
        configuration.stateDirectory = directory
        for run in 0..<2 {
            let pipeline = try StreamPipeline(configuration: configuration, engine: Self.engine(), logger: quietLogger())
            let runner = PipelineRunner(pipeline)
            #expect(await Self.eventually(60) { runner.pipeline.statsSnapshot().assigned })
            let stats = pipeline.statsSnapshot()
            let (unavailable, rows) = pipeline.withCore { ($0.catalog.unavailableCount, $0.items.count) }
            try await Self.offPool { try runner.stop() }
            print("item topic restore, run \(run): \(stats.itemRestoreRecords) records in \(String(format: "%.3f", stats.itemRestoreSeconds)) s (\(Int(Double(stats.itemRestoreRecords) / max(stats.itemRestoreSeconds, 1e-9))) items/s)")
            #expect(stats.itemRestoreRecords == n)
            #expect(stats.itemRecords == Int64(n))
            #expect(unavailable == n / 10)
            #expect(rows == n)
        }
    }
}
