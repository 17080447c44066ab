import Events
import Foundation
import Kafka
import StreamRecTestKit
import Testing

/// Three `streamrec serve` processes in one consumer group on a mock cluster hosted by the test,
/// through the group's life: a member joins, a member stalls past its session timeout (SIGSTOP:
/// the group moves its partitions on, and its late commits are refused when it resumes), a
/// member leaves cleanly (SIGTERM), and it comes back from its local checkpoint into a group
/// that rebalances again. After each step the members' own counters (`/readyz` `applied_owned`)
/// add up to the events produced, and at the end no list on the output topic, read by a separate
/// client, holds an item its user interacted with at or before the list's `based_on` position.
@Suite("streamrec serve as a group of three: join, stall, leave, restart", .serialized)
struct GroupProcessTests {
    @Test("every event applied once across join, a stalled member, a clean leave and a restart from the checkpoint",
          .enabled(if: DaemonProcess.binaryExists))
    func groupLifecycle() throws {
        let cluster = try GroupServeConfig.cluster(group: "life")
        let root = try GroupServeConfig.temporaryRoot("group-life")
        defer { try? FileManager.default.removeItem(atPath: root) }
        var ports: [String: Int] = [:]
        var configs: [String: String] = [:]
        for name in ["a", "b", "c"] {
            ports[name] = try GroupKillTests.freePort()
            configs[name] = try GroupServeConfig.write(root: root, name: name, group: "life",
                                                       bootstrapServers: cluster.bootstrapServers, port: ports[name]!)
        }
        var members: [String: DaemonProcess] = [:]
        defer { for m in members.values { m.ensureStopped() } }
        func start(_ name: String) throws {
            members[name] = try DaemonProcess(["serve", "--config", configs[name]!], logPath: "\(root)/\(name).log")
        }
        func logs(_ names: [String]) -> String {
            names.map { "\($0): \(members[$0]?.log.suffix(1_500) ?? "")" }.joined(separator: "\n")
        }

        var generator = EventGenerator(configuration: GeneratorConfiguration(users: 150, items: 200, seed: 43))
        let producer = try KafkaProducer(properties: ["bootstrap.servers": cluster.bootstrapServers, "linger.ms": "5"])
        var produced = 0
        func send(_ count: Int) throws {
            for _ in 0..<count {
                let e = generator.next()
                try producer.produce(topic: "in", key: Array(e.user.utf8), value: EventEncoder.json(e))
            }
            _ = producer.flush(timeoutMs: 10_000)
            produced += count
        }
        /// Whether `names` together own the four partitions, have no lag, and applied `produced`
        /// events to the state of the partitions they own, within `timeout` seconds.
        func settled(_ names: [String], timeout: TimeInterval = 90) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                let views = names.map { GroupKillTests.ownership(port: ports[$0]!) }
                if views.allSatisfy({ $0 != nil }) {
                    let owned = views.flatMap { $0!.partitions }.sorted()
                    if owned == [0, 1, 2, 3] && views.allSatisfy({ $0!.lag == 0 })
                        && views.reduce(0, { $0 + $1!.applied }) == produced {
                        return true
                    }
                }
                Thread.sleep(forTimeInterval: 0.2)
            }
            return false
        }
        func applied(_ names: [String]) -> [String: Int] {
            Dictionary(uniqueKeysWithValues: names.map { ($0, GroupKillTests.ownership(port: ports[$0]!)?.applied ?? -1) })
        }

        // Two members share the input.
        try start("a")
        try start("b")
        try send(3_000)
        #expect(settled(["a", "b"]), "\(logs(["a", "b"]))")

        // A third joins while events keep coming.
        try start("c")
        try send(1_500)
        #expect(settled(["a", "b", "c"]), "\(applied(["a", "b", "c"]))\n\(logs(["a", "b", "c"]))")
        #expect(["a", "b", "c"].allSatisfy { !(GroupKillTests.ownership(port: ports[$0]!)?.partitions.isEmpty ?? true) })

        // B stalls past its session timeout (6 s): the group gives its partitions to A and C,
        // which restore them from the changelog; B's late work is never committed.
        members["b"]!.signal(SIGSTOP)
        try send(1_500)
        #expect(settled(["a", "c"]), "\(applied(["a", "c"]))\n\(logs(["a", "c"]))")
        members["b"]!.signal(SIGCONT)
        try send(1_500)
        #expect(settled(["a", "b", "c"]), "\(applied(["a", "b", "c"]))\n\(logs(["a", "b", "c"]))")

        // A leaves cleanly: it commits what it applied and exits 0; B and C take its partitions.
        members["a"]!.signal(SIGTERM)
        #expect(members["a"]!.wait(timeout: 30) == 0)
        try send(1_500)
        #expect(settled(["b", "c"]), "\(applied(["b", "c"]))\n\(logs(["b", "c"]))")

        // A comes back from its local checkpoint, now older than the group's positions for the
        // partitions it had: the group rebalances, and nothing is applied twice.
        try start("a")
        try send(1_500)
        #expect(settled(["a", "b", "c"]), "\(applied(["a", "b", "c"]))\n\(logs(["a", "b", "c"]))")

        let kafka = KafkaView(cluster: cluster)
        let audit = try kafka.audit()
        #expect(audit.delivered.count == produced)
        let lists = try kafka.lists()
        #expect(!lists.isEmpty)
        let violations = audit.seenItemViolations(lists)
        #expect(violations.isEmpty, "\(violations.count) lists hold seen items: \(violations.prefix(5))")
        for name in ["a", "b", "c"] { members[name]!.signal(SIGTERM) }
        for name in ["a", "b", "c"] { #expect(members[name]!.wait(timeout: 90) == 0, "\(name) did not exit 0 within 90 s") }
    }
}

/// The mock cluster, state directories and configuration files of the group process tests. A
/// member's file names the group's topics on the mock cluster, a short session timeout (the mock
/// keeps a member that left until it expires), debounce 0, and frequent checkpoints in the
/// member's own state directory.
enum GroupServeConfig {
    /// A mock cluster with the group's topics: `in` and `out` (4 partitions), `dlq`, and the
    /// group's changelog (4 partitions), item-updates and models topics.
    static func cluster(group: String) throws -> MockCluster {
        let cluster = try MockCluster(brokerCount: 1)
        for topic in ["in", "out", "\(group).state"] { try cluster.createTopic(topic, partitions: 4) }
        for topic in ["dlq", "\(group).item-updates", "\(group).models"] { try cluster.createTopic(topic, partitions: 1) }
        return cluster
    }

    /// A new empty directory under the temporary directory (the caller removes it).
    static func temporaryRoot(_ prefix: String) throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        return root
    }

    /// Writes `<root>/<name>.yaml` and returns its path.
    static func write(root: String, name: String, group: String, bootstrapServers: String, port: Int) throws -> String {
        let path = "\(root)/\(name).yaml"
        try """
        kafka:
          bootstrap_servers: "\(bootstrapServers)"
          group_id: \(group)
          input_topic: in
          output_topic: out
          dlq_topic: dlq
          session.timeout.ms: "6000"
          heartbeat.interval.ms: "300"
        engine:
          debounce_ms: 0
        state:
          dir: \(root)/\(name)
          checkpoint_every_events: 2000
          checkpoint_interval_s: 0.5
        http:
          port: \(port)
        log:
          level: info
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
