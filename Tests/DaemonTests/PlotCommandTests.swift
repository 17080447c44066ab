import Foundation
import Testing

/// `streamrec plot`: series files drawn as one SVG chart; bad files refused with the place named.
@Suite("plot command")
struct PlotCommandTests {
    /// Runs `streamrec ARGS`; returns (status, stdout, stderr).
    static func run(_ arguments: [String]) throws -> (Int32, String, String) {
        let p = Process()
        p.executableURL = DaemonProcess.binary
        p.arguments = arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    static func directory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plot-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test("two series files become one chart with a line and a legend entry each", .enabled(if: DaemonProcess.binaryExists))
    func twoSeries() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "seconds,events,online_hr@10\n1,100,0.01\n2,200,0.02\n3,300,0.03\n".write(toFile: "\(dir)/on.csv", atomically: true, encoding: .utf8)
        try "seconds,events,online_hr@10\n1,100,0.01\n2,200,0.015\n".write(toFile: "\(dir)/off.csv", atomically: true, encoding: .utf8)
        let (status, out, err) = try Self.run(["plot", "--series", "session on=\(dir)/on.csv", "--series", "MF alone=\(dir)/off.csv",
                                               "--column", "online_hr@10", "--out", "\(dir)/hr.svg"])
        #expect(status == 0, "\(err)")
        #expect(out.contains("session on: 3 points, last 0.0300") && out.contains("MF alone: 2 points, last 0.0150"), "\(out)")
        let svg = try String(contentsOfFile: "\(dir)/hr.svg", encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.contains("session on") && svg.contains("MF alone"))
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 2)
    }

    @Test("--x events places each point at its file's events column, so runs at different rates line up over the stream",
          .enabled(if: DaemonProcess.binaryExists))
    func xColumn() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "seconds,events,online_hr@10\n1,100,0.01\n2,200,0.02\n3,300,0.03\n".write(toFile: "\(dir)/on.csv", atomically: true, encoding: .utf8)
        try "seconds,events,online_hr@10\n1,150,0.01\n2,300,0.015\n".write(toFile: "\(dir)/off.csv", atomically: true, encoding: .utf8)
        let (status, _, err) = try Self.run(["plot", "--series", "on=\(dir)/on.csv", "--series", "off=\(dir)/off.csv",
                                             "--column", "online_hr@10", "--x", "events", "--out", "\(dir)/hr.svg"])
        #expect(status == 0, "\(err)")
        let svg = try String(contentsOfFile: "\(dir)/hr.svg", encoding: .utf8)
        // The plot area runs from x = 70 (100 events) to x = 540 (300 events).
        let xs = svg.components(separatedBy: "points=\"").dropFirst().map { line in
            line.prefix { $0 != "\"" }.split(separator: " ").map { String($0.split(separator: ",")[0]) }
        }
        #expect(xs == [["70.0", "305.0", "540.0"], ["187.5", "540.0"]], "\(xs)")
        #expect(svg.contains(">events</text>"))
        let missing = try Self.run(["plot", "--series", "on=\(dir)/on.csv", "--x", "time", "--out", "\(dir)/x.svg"])
        #expect(missing.0 != 0 && missing.2.contains("has no column time"), "\(missing.2)")
    }

    @Test("a missing column, a value that is not a number and a bad --series are refused with the place named",
          .enabled(if: DaemonProcess.binaryExists))
    func badInput() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "seconds,events\n1,100\n".write(toFile: "\(dir)/a.csv", atomically: true, encoding: .utf8)
        try "seconds,online_hr@10\n1,0.1\n2,high\n".write(toFile: "\(dir)/b.csv", atomically: true, encoding: .utf8)
        let missing = try Self.run(["plot", "--series", "a=\(dir)/a.csv", "--out", "\(dir)/x.svg"])
        #expect(missing.0 != 0 && missing.2.contains("has no column online_hr@10 (it has seconds, events)"), "\(missing.2)")
        let notNumber = try Self.run(["plot", "--series", "b=\(dir)/b.csv", "--out", "\(dir)/x.svg"])
        #expect(notNumber.0 != 0 && notNumber.2.contains("line 3, column online_hr@10: 'high' is not a number"), "\(notNumber.2)")
        let badOption = try Self.run(["plot", "--series", "\(dir)/b.csv", "--out", "\(dir)/x.svg"])
        #expect(badOption.0 != 0 && badOption.2.contains("--series takes LABEL=FILE"), "\(badOption.2)")
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/x.svg"))
    }
}
