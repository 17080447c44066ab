import Events
import Foundation
import Kafka
import Linalg
import Testing

/// kill -9 at random moments, restart, and compare with an uninterrupted run.
@Suite("Crash recovery of streamrec serve", .serialized)
struct CrashRecoveryTests {
    static var datasets: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/datasets")
    }

    /// ml-100k in time order when the data set is present, otherwise generated events.
    static func events() throws -> (events: [Event], source: String) {
        let path = datasets.appendingPathComponent("ml-100k/u.data").path
        if FileManager.default.fileExists(atPath: path) {
            return (try InteractionFileReader.read(path: path), "ml-100k/u.data")
        }
        var generator = EventGenerator(configuration: GeneratorConfiguration(users: 900, items: 1_600, seed: 21))
        return (generator.generate(count: 100_000), "generator (ml-100k absent)")
    }

    struct Inspection: Equatable {
        let applied: Int
        let checksum: String
        let offsets: [String: Int]
        let users: Int
        let items: Int
    }

    /// What `streamrec inspect --json` reports, or nil when there is no checkpoint yet.
    static func inspect(_ stateDir: String) throws -> Inspection? {
        let (status, out) = try DaemonProcess.runToEnd(["inspect", "--state-dir", stateDir, "--json"])
        guard status == 0 else { return nil }
        let object = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        return Inspection(applied: object["applied_events"] as? Int ?? -1, checksum: object["checksum"] as? String ?? "",
                          offsets: object["offsets"] as? [String: Int] ?? [:],
                          users: object["users"] as? Int ?? -1, items: object["items"] as? Int ?? -1)
    }

    /// Serve arguments for one run over the shared topic with its own group and state directory.
    static func serveArguments(cluster: MockCluster, group: String, stateDir: String, config: String) -> [String] {
        ["serve", "--config", config, "--bootstrap-servers", cluster.bootstrapServers, "--group-id", group,
         "--input-topic", "in", "--output-topic", "out-\(group)", "--dlq-topic", "dlq", "--state-dir", stateDir]
    }

    /// Waits until the group has committed `total` on partition 0.
    static func waitCommitted(cluster: MockCluster, group: String, total: Int64, timeout: TimeInterval) throws -> Bool {
        let consumer = try KafkaConsumer(properties: ["bootstrap.servers": cluster.bootstrapServers, "group.id": group])
        defer { consumer.close() }
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let committed = try? consumer.committed([TopicPartition(topic: "in", partition: 0)], timeoutMs: 2_000)
            if committed?.values.first == total { return true }
            Thread.sleep(forTimeInterval: 0.2)
        }
        return false
    }

    @Test("ten kill -9 restarts: every event applied once, state equal to an uninterrupted run", .enabled(if: DaemonProcess.binaryExists))
    func killNineRestarts() throws {
        let (events, source) = try Self.events()
        let cluster = try MockCluster(brokerCount: 1)
        try cluster.createTopic("in", partitions: 1)
        for group in ["reference", "crashy"] { try cluster.createTopic("out-\(group)", partitions: 1) }
        try cluster.createTopic("dlq", partitions: 1)
        // lz4 keeps the 100k events under the mock partition's 5 MiB log limit (it trims older batches beyond it).
        let producer = try KafkaProducer(properties: ["bootstrap.servers": cluster.bootstrapServers, "linger.ms": "50",
                                                    "compression.codec": "lz4"])
        let total = Int64(events.count)

        let root = FileManager.default.temporaryDirectory.appendingPathComponent("crash-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let config = root + "/serve.yaml"
        try """
        kafka:
          consumer_group: false
        engine:
          debounce_ms: 0
        model:
          idle_epochs: 0
        state:
          checkpoint_every_events: 4000
          checkpoint_interval_s: 0.5
        http:
          port: 0
        log:
          level: notice
        """.write(toFile: config, atomically: true, encoding: .utf8)

        // MF passes on a quiet stream (`model.idle_epochs`) are off: the two runs' streams go quiet
        // at different times, so the passes would leave their factors apart.
        // The stream arrives over about 25 s while the crashing run is killed and restarted.
        let feeder = Thread {
            let start = Date()
            for (i, event) in events.enumerated() {
                try? producer.produce(topic: "in", key: Array(event.user.utf8), value: EventEncoder.json(event))
                if i % 500 == 0 {
                    let due = start.addingTimeInterval(Double(i) / 4_000)
                    let wait = due.timeIntervalSinceNow
                    if wait > 0 { Thread.sleep(forTimeInterval: wait) }
                }
            }
            _ = producer.flush(timeoutMs: 30_000)
        }
        feeder.start()

        var rng = SeededGenerator(seed: 77)
        var appliedAtKills: [Int] = []
        for _ in 0..<10 {
            let run = try DaemonProcess(Self.serveArguments(cluster: cluster, group: "crashy", stateDir: root + "/crashy", config: config),
                                        logPath: root + "/crashy.log")
            // Kill it at a random moment after it has checkpointed something new (slow starts
            // under load would otherwise stack several kills on one checkpoint).
            let before = appliedAtKills.last ?? 0
            let deadline = Date().addingTimeInterval(20)
            while try run.isRunning && Date() < deadline && ((Self.inspect(root + "/crashy"))?.applied ?? 0) <= before {
                Thread.sleep(forTimeInterval: 0.1)
            }
            Thread.sleep(forTimeInterval: Double(rng.nextUnit()) * 0.5)
            guard run.isRunning else {
                Issue.record("serve exited early with \(run.wait(timeout: 1) ?? -1): \(run.log.suffix(2_000))")
                return
            }
            run.signal(SIGKILL)
            run.wait(timeout: 10)
            appliedAtKills.append((try Self.inspect(root + "/crashy"))?.applied ?? 0)
        }
        let last = try DaemonProcess(Self.serveArguments(cluster: cluster, group: "crashy", stateDir: root + "/crashy", config: config),
                                     logPath: root + "/crashy.log")
        defer { last.ensureStopped() }
        #expect(try Self.waitCommitted(cluster: cluster, group: "crashy", total: total, timeout: 180), "crashy log: \(last.log.suffix(2_000))")
        Thread.sleep(forTimeInterval: 2)  // if nothing was left to do, let it finish starting before SIGTERM
        last.signal(SIGTERM)
        #expect(last.wait(timeout: 30) == 0)

        // The uninterrupted reference over the same partition, read from its beginning.
        let reference = try DaemonProcess(Self.serveArguments(cluster: cluster, group: "reference", stateDir: root + "/reference", config: config),
                                          logPath: root + "/reference.log")
        defer { reference.ensureStopped() }
        #expect(try Self.waitCommitted(cluster: cluster, group: "reference", total: total, timeout: 180), "reference log: \(reference.log.suffix(2_000))")
        Thread.sleep(forTimeInterval: 2)
        reference.signal(SIGTERM)
        #expect(reference.wait(timeout: 30) == 0)

        let a = try #require(try Self.inspect(root + "/reference"), "no checkpoint from the reference run")
        let b = try #require(try Self.inspect(root + "/crashy"), "no checkpoint from the crashing run")
        print("crash test on \(source): \(events.count) events, checkpointed applied at the 10 kills: \(appliedAtKills); reference \(a.applied) events \(a.checksum), crashed \(b.applied) events \(b.checksum)")
        #expect(a.applied == events.count)
        #expect(b.applied == events.count)
        #expect(a.offsets == ["in/0": events.count])
        #expect(b == a, "state after crashes differs from the uninterrupted run")
        // The kills hit different moments of the stream, not all before the first checkpoint.
        #expect(Set(appliedAtKills).count >= 8, "kills landed at \(appliedAtKills)")
    }
}
