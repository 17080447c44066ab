import Foundation
import Testing

/// `streamrec demo --json` (the README's first command ends with it): the session model's keys,
/// and every published list counted once by what ranked it.
@Suite("demo command JSON", .serialized)
struct DemoCommandTests {
    func demo(_ extra: [String]) throws -> [String: Any] {
        let (status, out) = try DaemonProcess.runToEnd(["demo", "--seconds", "6", "--rate", "4000", "--json"] + extra)
        #expect(status == 0)
        return try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any], "\(out)")
    }

    /// A fresh directory named `name-<uuid>` under the temporary directory, with `seq.txt` in it:
    /// `users` sequences (S3-Rec layout), each 8 items drawn from 1...40. Returns the directory and the file.
    func sequenceFile(_ name: String, users: Int) throws -> (dir: URL, input: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var rng = SystemRandomNumberGenerator()
        let lines = (1...users).map { u in "\(u) " + (0..<8).map { _ in String(Int.random(in: 1...40, using: &rng)) }.joined(separator: " ") }
        let input = dir.appendingPathComponent("seq.txt").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: input, atomically: true, encoding: .utf8)
        return (dir, input)
    }

    @Test("lists by model add up to the lists published; session on and off; the series file has a row a second", .enabled(if: DaemonProcess.binaryExists))
    func listsByModel() throws {
        let series = FileManager.default.temporaryDirectory.appendingPathComponent("demo-series-\(UUID().uuidString).csv").path
        defer { try? FileManager.default.removeItem(atPath: series) }
        let on = try demo(["--series", series])
        let lines = try String(contentsOfFile: series, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.first == "seconds,events,lists,online_hr@10,online_ndcg@10")
        let rows = lines.dropFirst().map { $0.split(separator: ",").compactMap { Double($0) } }
        #expect(rows.count >= 4 && rows.allSatisfy { $0.count == 5 }, "\(lines)")
        #expect(zip(rows, rows.dropFirst()).allSatisfy { $0[0] < $1[0] && $0[1] <= $1[1] && $0[2] <= $1[2] })
        #expect(rows.allSatisfy { (0...1).contains($0[3]) && (0...1).contains($0[4]) })
        #expect((rows.last?[1] ?? 0) > 0 && Int(rows.last![1]) <= on["events"] as? Int ?? 0)
        let off = try demo(["--session", "off"])
        for run in [on, off] {
            let lists = try #require(run["lists"] as? Int)
            let byModel = try #require(run["lists_by_model"] as? [String: Int])
            #expect(lists > 0)
            #expect(byModel.values.reduce(0, +) == lists, "\(byModel) against \(lists)")
        }
        #expect(on["session"] as? String == "on" && off["session"] as? String == "off")
        let offModels = Set((off["lists_by_model"] as? [String: Int] ?? [:]).keys)
        #expect(offModels.isDisjoint(with: ["hybrid", "session"]), "\(offModels)")
        #expect(off["session_fusion_share"] == nil && off["session_model_version"] as? Int == 0)
        // With the session model on, a share is reported exactly when a model serves.
        let version = try #require(on["session_model_version"] as? Int)
        if version > 0 {
            let share = try #require(on["session_fusion_share"] as? Double)
            #expect(share > 0 && share < 1)
        } else {
            #expect(on["session_fusion_share"] == nil)
        }
    }

    @Test("a replay ends after the quiet stream's idle work: exactly session.idle_rounds rounds and model.idle_epochs MF passes, well before --seconds", .enabled(if: DaemonProcess.binaryExists))
    func idleRoundsAfterReplay() throws {
        let (dir, input) = try sequenceFile("demo-idle", users: 500)
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("config.yaml").path
        try "session:\n  train_every_events: 1000\n  train_max_examples: 2000\n  idle_rounds: 2\n  idle_patience: 100\nmodel:\n  idle_epochs: 7\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        let started = Date()
        let (status, out) = try DaemonProcess.runToEnd(["demo", "--seconds", "120", "--rate", "4000", "--json", "--input", input, "--config", config])
        #expect(status == 0)
        let run = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any], "\(out)")
        #expect(run["events"] as? Int == 4_000)
        #expect(run["session_idle_rounds"] as? Int == 2, "\(run)")
        #expect(run["mf_idle_epochs"] as? Int == 7, "\(run)")
        #expect((run["session_rounds"] as? Int ?? 0) >= 3, "\(run)")
        #expect(Date().timeIntervalSince(started) < 100, "the demo waited for --seconds instead of the idle rounds")
    }

    @Test("--item-attributes publishes the items' attributes: the trained session model gives them an attribute term; a missing file is refused", .enabled(if: DaemonProcess.binaryExists))
    func itemAttributes() throws {
        // 2,000 users (4 s at 4,000 events/s), each a sequence of 8 of 40 items (S3-Rec layout); items 1...20 have attributes.
        let (dir, input) = try sequenceFile("demo-attributes", users: 2_000)
        defer { try? FileManager.default.removeItem(at: dir) }
        let attributes = dir.appendingPathComponent("attrs.json").path
        let config = dir.appendingPathComponent("config.yaml").path
        let table = (1...20).map { "\"\($0)\": [\($0 % 4), \(100 + $0 % 3)]" }.joined(separator: ", ")
        try "{\(table)}".write(toFile: attributes, atomically: true, encoding: .utf8)
        try "session:\n  train_every_events: 500\n  train_interval_s: 1\n  train_max_examples: 2000\n".write(toFile: config, atomically: true, encoding: .utf8)
        let state = dir.appendingPathComponent("state.bin").path
        let run = try demo(["--input", input, "--item-attributes", attributes, "--config", config, "--save-state", state])
        #expect(run["events"] as? Int == 16_000)
        #expect((run["session_model_version"] as? Int ?? 0) >= 2, "\(run)")
        #expect(run["session_attribute_items"] as? Int == 20, "\(run)")
        // The saved state is scored as it stands by eval (the replay held every event, so the
        // figures only show that the state loads and ranks: the held-out events were seen).
        let (evalStatus, evalOut) = try DaemonProcess.runToEnd(["eval", "--input", input, "--protocol", "loo", "--model", "engine",
                                                                "--set", "state=\(state)", "--json"])
        #expect(evalStatus == 0, "\(evalOut)")
        let scored = try #require(try JSONSerialization.jsonObject(with: Data(evalOut.utf8)) as? [String: Any], "\(evalOut)")
        let metrics = try #require(scored["metrics"] as? [String: Any])
        #expect(scored["model"] as? String == "engine")
        #expect(metrics["hr@10"] is Double, "\(metrics)")
        #expect((metrics["coverage@20"] as? Double ?? 0) > 0, "\(metrics)")
        let (status, _) = try DaemonProcess.runToEnd(["demo", "--seconds", "2", "--item-attributes", dir.appendingPathComponent("none.json").path])
        #expect(status != 0)
    }
}
