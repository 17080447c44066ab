import Engine
import Events
import Foundation

/// The peer: River's BiasedMF (Python) timed on the same events, through `scripts/bench-river.py`.
enum BenchRiver {
    /// What the script reported.
    struct Result {
        let eventsPerSecond: Double
        let seconds: Double
        let version: String
    }

    /// Writes `events` as `user<TAB>item<TAB>value` lines (value: the rating, or the engine's
    /// weight of the event type) and times River on them; nil (with a note) when Python or
    /// River is missing.
    static func run(_ events: [Event], engine: EngineConfiguration, python: String, script: String,
                    factors: Int, note: (String) -> Void) -> Result? {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            note("River skipped: \(python) not found (scripts/bench-river.sh creates .venv-bench with River)")
            return nil
        }
        guard FileManager.default.fileExists(atPath: script) else {
            note("River skipped: \(script) not found (run from the repository root)")
            return nil
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("streamrec-river-\(UUID().uuidString).tsv")
        defer { try? FileManager.default.removeItem(at: path) }
        var text: [UInt8] = []
        text.reserveCapacity(events.count * 24)
        for event in events {
            let value = event.type == .rating ? (event.value ?? 0) : engine.weight(of: event.type, value: event.value)
            text.append(contentsOf: "\(event.user)\t\(event.item)\t\(value)\n".utf8)
        }
        do { try Data(text).write(to: path) } catch {
            note("River skipped: cannot write \(path.path): \(error)")
            return nil
        }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, path.path, "--factors", String(factors)]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch {
            note("River skipped: \(error)")
            return nil
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let rate = (object["events_per_s"] as? NSNumber)?.doubleValue else {
            note("River failed (status \(process.terminationStatus)): \(String(decoding: errors, as: UTF8.self).suffix(400))")
            return nil
        }
        return Result(eventsPerSecond: rate, seconds: (object["seconds"] as? NSNumber)?.doubleValue ?? 0,
                      version: object["river"] as? String ?? "?")
    }
}
