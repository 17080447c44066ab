#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation
import Kafka
import Testing

/// Collects the datagrams a child process sends to its `$NOTIFY_SOCKET`.
final class NotifySocketListener: @unchecked Sendable {
    let path: String
    private let fd: Int32
    private let lock = NSLock()
    private var received: [String] = []
    private var open = true

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString.prefix(8))").path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw HTTPTestClient.Failure(description: "cannot bind \(path)") }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 4_096)
            while isOpen {
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n > 0 { lock.lock(); received.append(String(decoding: buffer[0..<n], as: UTF8.self)); lock.unlock() }
            }
        }.start()
    }

    private var isOpen: Bool { lock.lock(); defer { lock.unlock() }; return open }
    var messages: [String] { lock.lock(); defer { lock.unlock() }; return received }

    func close() {
        lock.lock(); open = false; lock.unlock()
        Thread.sleep(forTimeInterval: 0.2)
        _ = Glibc.close(fd)
        unlink(path)
    }
}

/// SIGTERM to the real `streamrec serve` with the HTTP API on: the API stops accepting first,
/// then the pipeline drains, the process exits 0, and systemd hears READY/STATUS/WATCHDOG/STOPPING.
@Suite("Lifecycle of streamrec serve", .serialized)
struct LifecycleSigtermTests {
    @Test("SIGTERM: HTTP stops first, then the pipeline drains; sd_notify messages; exit 0",
          .enabled(if: ServeProcessTests.binaryExists))
    func sigtermShutsDownInOrder() async throws {
        let cluster = try MockCluster(brokerCount: 1)
        for topic in ["in", "out"] { try cluster.createTopic(topic, partitions: 2) }
        try cluster.createTopic("dlq", partitions: 1)
        try cluster.createTopic("life.state", partitions: 2)
        try cluster.createTopic("life.item-updates", partitions: 1)
        try cluster.createTopic("life.models", partitions: 1)
        let stateDir = FileManager.default.temporaryDirectory.appendingPathComponent("streamrec-life-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: stateDir, withIntermediateDirectories: true)
        let port = try HTTPTestClient.freePort()
        let configPath = stateDir.appendingPathComponent("life.yaml")
        try """
        kafka:
          session.timeout.ms: "6000"
          heartbeat.interval.ms: "200"
        engine:
          debounce_ms: 0
        http:
          port: \(port)
          ready_max_lag: 0
        """.write(to: configPath, atomically: true, encoding: .utf8)
        let notify = try NotifySocketListener()
        defer { notify.close() }

        let process = Process()
        process.executableURL = ServeProcessTests.binary
        process.arguments = ["serve", "--config", configPath.path, "--bootstrap-servers", cluster.bootstrapServers,
                             "--group-id", "life", "--input-topic", "in", "--output-topic", "out",
                             "--dlq-topic", "dlq", "--state-dir", stateDir.path]
        var environment = ProcessInfo.processInfo.environment
        environment["NOTIFY_SOCKET"] = notify.path
        environment["WATCHDOG_USEC"] = "1000000"
        environment.removeValue(forKey: "WATCHDOG_PID")
        process.environment = environment
        let errPipe = Pipe()
        process.standardError = errPipe
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        let client = HTTPTestClient(port: port)
        let ready = await HTTPAPITests.eventually(40) {
            (try? await client.fetch("/readyz"))?.status == 200
        }
        #expect(ready, "never ready")
        let accepted = try await client.submit("/v1/events", body: Array(#"{"user":"u1","item":"i1"}"#.utf8))
        #expect(accepted.status == 202)
        try await Task.sleep(for: .milliseconds(1_500))  // a watchdog ping and a status line

        kill(process.processIdentifier, SIGTERM)
        let exited = await HTTPAPITests.eventually(30) { !process.isRunning }
        if !exited { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        let stderr = String(decoding: errPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(exited && process.terminationStatus == 0, "status \(process.terminationStatus); \(stderr.suffix(2_000))")

        let lines = stderr.split(separator: "\n").map(String.init)
        let httpStopped = lines.firstIndex { $0.contains("HTTP API stopped accepting requests") }
        let draining = lines.firstIndex { $0.contains("draining:") }
        let stopped = lines.lastIndex { $0.hasSuffix(" stopped") || $0.contains("] stopped") }
        #expect(httpStopped != nil && draining != nil, "\(stderr.suffix(2_000))")
        if let httpStopped, let draining { #expect(httpStopped < draining) }
        if let draining, let stopped { #expect(draining < stopped) }
        #expect(stderr.contains("applied 1 events"), "the posted event went through: \(stderr.suffix(1_000))")

        let messages = notify.messages
        #expect(messages.contains { $0.hasPrefix("READY=1") }, "\(messages)")
        #expect(messages.contains("WATCHDOG=1"), "\(messages)")
        #expect(messages.contains { $0.hasPrefix("STATUS=applied ") }, "\(messages)")
        #expect(messages.contains("STOPPING=1"), "\(messages)")
        #expect(throws: (any Error).self) { try client.get("/healthz") }
    }
}
