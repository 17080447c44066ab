import Foundation
import Testing

/// `streamrec eval` without `--model`: each protocol runs its default model.
@Suite("eval command default model per protocol")
struct EvalCommandTests {
    /// A small u.data file: 40 users × 12 items, ratings 1–5, one second apart.
    func ratingsFile() throws -> String {
        var lines: [String] = []
        var t = 881_250_000
        for u in 1...40 {
            for i in 1...12 where (u * 7 + i * 3) % 4 != 0 {
                lines.append("\(u)\t\(i)\t\(1 + (u + 2 * i) % 5)\t\(t)")
                t += 1
            }
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sreval-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("u.data").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The objects `eval --json` printed, one per line.
    func objects(_ out: String) throws -> [[String: Any]] {
        try out.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }

    @Test("kfold and prequential default to biasedmf, loo and lto to bmf", arguments: [
        ("kfold", "biasedmf", "rmse"), ("prequential", "biasedmf", "rmse"), ("loo", "bmf", "hr@10"), ("lto", "bmf", "hr@10"),
    ])
    func defaultModel(protocol name: String, model: String, metric: String) throws {
        try #require(DaemonProcess.binaryExists, "streamrec binary not built beside the tests")
        let path = try ratingsFile()
        let (status, out) = try DaemonProcess.runToEnd(["eval", "--protocol", name, "-i", path, "--json", "--folds", "2", "--set", "epochs=2"])
        #expect(status == 0, "eval --protocol \(name) exited \(status)")
        let results = try objects(out)
        #expect(results.count == 1)
        #expect(results.first?["model"] as? String == model)
        #expect(results.first?["protocol"] as? String == name)
        let metrics = try #require(results.first?["metrics"] as? [String: Any])
        #expect(metrics[metric] is Double, "no \(metric) in \(out)")
    }

    @Test("--help shows the default of each protocol")
    func helpShowsDefaults() throws {
        try #require(DaemonProcess.binaryExists, "streamrec binary not built beside the tests")
        let (_, out) = try DaemonProcess.runToEnd(["eval", "--help"])
        let flat = out.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(flat.contains("default per protocol: kfold biasedmf, loo bmf, lto bmf, prequential biasedmf"))
    }
}
