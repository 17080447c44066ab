import Events
import Foundation
import Kafka
import StreamRecTestKit
import Testing

/// Two `streamrec serve` processes in one consumer group on a mock cluster hosted by the test;
/// one is killed with SIGKILL mid-stream and comes back later. The members' own counters
/// (`/readyz` `applied_owned`, the events applied to the state of the partitions each owns)
/// add up to the events produced, and no list on the output topic holds an item its user had
/// interacted with at or before the list's `based_on` position. After it, the replacement holds
/// the same item state as the member that stayed, and knows an item only the other's partitions saw.
@Suite("streamrec serve as a group: kill -9 of a member", .serialized)
struct GroupKillTests {
    /// A free TCP port on loopback (bound, read, released).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// `/readyz` of a member: its owned partitions and the events applied to their state.
    static func ownership(port: Int) -> (partitions: [Int], applied: Int, lag: Int)? {
        guard let reply = try? HTTPTestClient(port: port).get("/readyz"), reply.status == 200,
              let json = reply.json else { return nil }
        return (json["partitions"] as? [Int] ?? [], json["applied_owned"] as? Int ?? -1, json["lag"] as? Int ?? -1)
    }

    @Test("kill -9 of a member mid-stream, then it returns: every event applied once across the group", .enabled(if: DaemonProcess.binaryExists))
    func killNineMember() throws {
        let cluster = try GroupServeConfig.cluster(group: "kill")
        let root = try GroupServeConfig.temporaryRoot("group-kill")
        defer { try? FileManager.default.removeItem(atPath: root) }
        func config(_ name: String, port: Int) throws -> String {
            try GroupServeConfig.write(root: root, name: name, group: "kill", bootstrapServers: cluster.bootstrapServers, port: port)
        }
        let portA = try Self.freePort(), portB = try Self.freePort()
        let configA = try config("a", port: portA), configB = try config("b", port: portB)
        let a = try DaemonProcess(["serve", "--config", configA], logPath: root + "/a.log")
        defer { a.ensureStopped() }
        var b = try DaemonProcess(["serve", "--config", configB], logPath: root + "/b.log")
        defer { b.ensureStopped() }

        var generator = EventGenerator(configuration: GeneratorConfiguration(users: 150, items: 200, seed: 41))
        let producer = try KafkaProducer(properties: ["bootstrap.servers": cluster.bootstrapServers, "linger.ms": "5"])
        func send(_ count: Int) throws {
            for _ in 0..<count { let e = generator.next(); try producer.produce(topic: "in", key: Array(e.user.utf8), value: EventEncoder.json(e)) }
            _ = producer.flush(timeoutMs: 10_000)
        }
        func settled(_ members: [(DaemonProcess, Int)], total: Int, timeout: TimeInterval) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                let views = members.filter { $0.0.isRunning }.map { Self.ownership(port: $0.1) }
                if views.allSatisfy({ $0 != nil }) {
                    let owned = views.flatMap { $0!.partitions }.sorted()
                    if owned == [0, 1, 2, 3] && views.allSatisfy({ $0!.lag == 0 }) && views.reduce(0, { $0 + $1!.applied }) == total {
                        return true
                    }
                }
                Thread.sleep(forTimeInterval: 0.2)
            }
            return false
        }
        try send(4_000)
        #expect(settled([(a, portA), (b, portB)], total: 4_000, timeout: 60), "a: \(a.log.suffix(1_500))\nb: \(b.log.suffix(1_500))")
        // B dies without a word while events keep coming.
        try send(1_000)
        b.signal(SIGKILL)
        b.wait(timeout: 10)
        try send(2_000)
        #expect(settled([(a, portA)], total: 7_000, timeout: 60), "a: \(a.log.suffix(2_000))")
        // B comes back from its own (now stale) checkpoint; the group splits again.
        b = try DaemonProcess(["serve", "--config", configB], logPath: root + "/b.log")
        try send(2_000)
        #expect(settled([(a, portA), (b, portB)], total: 9_000, timeout: 90), "a: \(a.log.suffix(1_500))\nb: \(b.log.suffix(1_500))")

        // Item state: an item whose events all land on A's partitions is known to B, and B, the
        // replacement of the killed member, holds the same item state as A.
        let aPartitions = Set(Self.ownership(port: portA)?.partitions ?? [])
        try #require(!aPartitions.isEmpty)
        let aUsers = (0..<150).map { "u\($0)" }.filter { aPartitions.contains(Int(KafkaPartitioner.murmur2(Array($0.utf8), partitionCount: 4))) }
        try #require(!aUsers.isEmpty)
        let started = Date()
        for i in 0..<30 {
            let e = Event(user: aUsers[i % aUsers.count], item: "fresh-on-a", type: .click, timestampMs: 1_900_000_000_000 + Int64(i))
            try producer.produce(topic: "in", key: Array(e.user.utf8), value: EventEncoder.json(e))
        }
        _ = producer.flush(timeoutMs: 10_000)
        var knownOnB: Double?
        while Date().timeIntervalSince(started) < 20 {
            if (try? HTTPTestClient(port: portB).get("/v1/items/fresh-on-a/similar"))?.status == 200 {
                knownOnB = Date().timeIntervalSince(started)
                break
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        print("an item only A's partitions saw answered 200 on B after \(knownOnB.map { String(format: "%.2f s", $0) } ?? "never")")
        #expect(knownOnB != nil)
        #expect(settled([(a, portA), (b, portB)], total: 9_030, timeout: 30))
        // The quiet stream's MF passes (`model.idle_epochs`) change item rows on both members;
        // their changes are shared like an event's. Wait until neither takes a pass any more
        // (the passes gauge still for 2.5 s: a second of quiet before the first pass, then one
        // pass every few tenths), then past item_updates_interval_ms on both sides.
        func passes(_ port: Int) -> Double? {
            guard let reply = try? HTTPTestClient(port: port).get("/metrics"), reply.status == 200,
                  let samples = try? MetricsTextParser.parse(reply.text) else { return nil }
            return samples.first { $0.name == "streamrec_mf_idle_epochs" }?.value
        }
        var last: [Double?] = [], stillSince = Date(), waited = Date()
        while Date().timeIntervalSince(waited) < 60 {
            let now = [passes(portA), passes(portB)]
            if now != last || now.contains(where: { $0 == nil }) { last = now; stillSince = Date() }
            if Date().timeIntervalSince(stillSince) >= 2.5 { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        print("MF passes taken by A and B when the comparison starts: \(last)")
        #expect(Date().timeIntervalSince(stillSince) >= 2.5, "the members' MF passes did not end within 60 s")
        Thread.sleep(forTimeInterval: 2)  // past item_updates_interval_ms on both sides
        func similar(_ port: Int, _ item: String) throws -> [(String, Double)] {
            let reply = try HTTPTestClient(port: port).get("/v1/items/\(item)/similar?k=10")
            guard reply.status == 200, let items = reply.json?["items"] as? [[String: Any]] else { return [] }
            return items.compactMap { entry in (entry["item"] as? String).map { ($0, entry["score"] as? Double ?? .nan) } }
        }
        var overlaps: [Int] = []
        var worstScore = 0.0
        for item in ["fresh-on-a"] + (0..<20).map({ "i\($0)" }) {
            let fromA = try similar(portA, item), fromB = try similar(portB, item)
            overlaps.append(Set(fromA.map(\.0)).intersection(fromB.map(\.0)).count)
            for ((ia, sa), (ib, sb)) in zip(fromA, fromB) where ia == ib { worstScore = max(worstScore, abs(sa - sb)) }
        }
        print("similar top-10 overlap between A and the replaced B: \(overlaps); largest score difference \(worstScore)")
        #expect(overlaps.allSatisfy { $0 >= 9 }, "\(overlaps)")
        #expect(worstScore < 1e-3)

        let kafka = KafkaView(cluster: cluster)
        let audit = try kafka.audit()
        #expect(audit.delivered.count == 9_030)
        let lists = try kafka.lists()
        #expect(!lists.isEmpty)
        let violations = audit.seenItemViolations(lists)
        #expect(violations.isEmpty, "\(violations.count) lists hold seen items: \(violations.prefix(5))")
        a.signal(SIGTERM)
        b.signal(SIGTERM)
        #expect(a.wait(timeout: 30) == 0)
        #expect(b.wait(timeout: 30) == 0)
    }
}

/// Reads the group's topics of a bare mock cluster (topics in/out with 4 partitions).
struct KafkaView {
    let cluster: MockCluster
    func audit() throws -> GroupAudit { try GroupAudit(bootstrapServers: cluster.bootstrapServers, topic: "in", partitions: 4) }
    func lists() throws -> [ParsedList] {
        let reader = try KafkaPartitionReader(bootstrapServers: cluster.bootstrapServers)
        var out: [ParsedList] = []
        for p in Int32(0)..<4 {
            try reader.read(TopicPartition(topic: "out", partition: p)) { record in
                let r = OutputRecord(partition: p, offset: record.offset, key: String(decoding: record.key ?? [], as: UTF8.self),
                                     value: record.value ?? [], headers: [:])
                if let list = r.list { out.append(list) }
            }
        }
        return out
    }
}
