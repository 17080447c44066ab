import Foundation
import Testing

@Suite("systemd unit")
struct SystemdUnitTests {
    static let unitPath = ConfigurationTests.repositoryRoot.appendingPathComponent("systemd/streamrec.service").path

    /// Runs a command and returns (status, combined output).
    static func run(_ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// A copy of the unit whose ExecStart points at an existing binary (verify requires one).
    static func verifiableCopy() throws -> String {
        let text = try String(contentsOfFile: unitPath, encoding: .utf8)
            .replacingOccurrences(of: "/usr/local/bin/streamrec", with: "/bin/true")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("unit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("streamrec.service").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("systemd-analyze verify prints nothing", .enabled(if: FileManager.default.fileExists(atPath: "/usr/bin/systemd-analyze")))
    func verifyIsClean() throws {
        let (status, output) = try Self.run(["systemd-analyze", "verify", try Self.verifiableCopy()])
        #expect(status == 0)
        #expect(output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "verify said: \(output)")
    }

    @Test("the unit asks for notify, restart, state directory and hardening")
    func requiredDirectives() throws {
        let text = try String(contentsOfFile: Self.unitPath, encoding: .utf8)
        for line in ["Type=notify", "Restart=on-failure", "StateDirectory=streamrec", "DynamicUser=yes",
                     "ProtectSystem=strict", "NoNewPrivileges=yes", "WatchdogSec="] {
            #expect(text.contains(line), "missing \(line)")
        }
    }

    @Test("offline security exposure is at most 2.0", .enabled(if: FileManager.default.fileExists(atPath: "/usr/bin/systemd-analyze")))
    func exposure() throws {
        let (_, output) = try Self.run(["systemd-analyze", "security", "--offline=true", try Self.verifiableCopy()])
        let line = try #require(output.split(separator: "\n").first { $0.contains("Overall exposure level") })
        let number = line.split(separator: " ").compactMap { Double($0) }.first
        let exposure = try #require(number, "no number in: \(line)")
        #expect(exposure <= 2.0, "\(line)")
    }
}
