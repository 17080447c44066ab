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
}
