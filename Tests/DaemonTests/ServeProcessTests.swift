import Events
import Foundation
import Kafka
import Testing

/// Runs the real `streamrec` binary against a mock cluster owned by the test process.
@Suite("streamrec serve as a process", .serialized)
struct ServeProcessTests {
    /// The `streamrec` executable built beside the test bundle.
    static var binary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("streamrec")
    }

    static var binaryExists: Bool { FileManager.default.isExecutableFile(atPath: binary.path) }

    @Test("SIGTERM drains: lists published, offsets committed, exit status 0", .enabled(if: binaryExists))
    func sigtermDrains() throws {
        let cluster = try MockCluster(brokerCount: 1)
        try cluster.createTopic("in", partitions: 2)
        try cluster.createTopic("out", partitions: 2)
        try cluster.createTopic("dlq", partitions: 1)
        try cluster.createTopic("drain-test.state", partitions: 2)
        try cluster.createTopic("drain-test.item-updates", partitions: 1)
        try cluster.createTopic("drain-test.models", partitions: 1)
        let stateDir = FileManager.default.temporaryDirectory.appendingPathComponent("streamrec-\(UUID().uuidString)")
        let configPath = stateDir.appendingPathComponent("test.yaml")
        try FileManager.default.createDirectory(at: stateDir, withIntermediateDirectories: true)
        try """
        kafka:
          commit_interval_ms: 60000
          session.timeout.ms: "6000"
          heartbeat.interval.ms: "200"
        engine:
          debounce_ms: 0
        http:
          port: 0
        """.write(to: configPath, atomically: true, encoding: .utf8)

        let process = Process()
        process.executableURL = Self.binary
        process.arguments = ["serve", "--config", configPath.path, "--bootstrap-servers", cluster.bootstrapServers,
                             "--group-id", "drain-test", "--input-topic", "in", "--output-topic", "out",
                             "--dlq-topic", "dlq", "--state-dir", stateDir.path]
        let errPipe = Pipe()
        process.standardError = errPipe
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        let producer = try KafkaProducer(properties: ["bootstrap.servers": cluster.bootstrapServers])
        var generator = EventGenerator(configuration: GeneratorConfiguration(users: 50, items: 80, seed: 3))
        let total = 2_000
        for _ in 0..<total {
            let event = generator.next()
            try producer.produce(topic: "in", key: Array(event.user.utf8), value: EventEncoder.json(event))
        }
        #expect(producer.flush(timeoutMs: 10_000))

        // Wait until the daemon has consumed everything (its committed offsets are not yet
        // written: the commit interval is a minute, so only the drain can commit them).
        let reader = try KafkaConsumer(properties: ["bootstrap.servers": cluster.bootstrapServers, "group.id": "reader"])
        defer { reader.close() }
        try reader.assign([TopicPartitionOffset(topic: "out", partition: 0, offset: -2),
                           TopicPartitionOffset(topic: "out", partition: 1, offset: -2)])
        var lists = 0
        let deadline = Date().addingTimeInterval(60)
        while lists < 50 && Date() < deadline {
            lists += reader.poll(timeoutMs: 200, maxMessages: 1_000) { _ in }
        }
        #expect(lists >= 50, "only \(lists) lists before SIGTERM")
        Thread.sleep(forTimeInterval: 1)

        let sent = Date()
        kill(process.processIdentifier, SIGTERM)
        while process.isRunning && Date().timeIntervalSince(sent) < 30 { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            process.terminate()
            Thread.sleep(forTimeInterval: 1)
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            let stderr = String(decoding: errPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            Issue.record("still running 30 s after SIGTERM; stderr: \(stderr.suffix(3_000))")
            return
        }
        let stderr = String(decoding: errPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "exit status \(process.terminationStatus); stderr: \(stderr.suffix(2_000))")

        // The drain committed every consumed offset.
        let group = try KafkaConsumer(properties: ["bootstrap.servers": cluster.bootstrapServers, "group.id": "drain-test"])
        defer { group.close() }
        let committed = try group.committed([TopicPartition(topic: "in", partition: 0), TopicPartition(topic: "in", partition: 1)])
        let sum = committed.values.reduce(0, +)
        #expect(sum == Int64(total), "committed \(committed)")
    }
}
