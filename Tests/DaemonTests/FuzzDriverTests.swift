import Foundation
import Testing

@Suite("Decoder fuzz driver")
struct FuzzDriverTests {
    @Test("the mutation driver runs for a bounded time without a crash", .enabled(if: FileManager.default.isExecutableFile(atPath: FuzzDriver.binary.path)))
    func boundedRun() throws {
        let p = Process()
        p.executableURL = FuzzDriver.binary
        p.arguments = ["4", "7"]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        #expect(p.terminationStatus == 0, "\(text)")
        #expect(text.contains("no crash"))
        let runs = Int(text.split(separator: " ").dropFirst().first ?? "") ?? 0
        #expect(runs >= 1_000, "\(text)")
    }
}
