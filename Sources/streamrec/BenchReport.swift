import Foundation

/// The figures one `streamrec bench` run measured, printed as text or as one JSON object.
struct BenchReport {
    /// Named figures in the order they were measured.
    private(set) var entries: [(key: String, value: Double)] = []
    /// Free-form notes (conditions, skipped parts).
    private(set) var notes: [String] = []

    mutating func set(_ key: String, _ value: Double) {
        if let i = entries.firstIndex(where: { $0.key == key }) { entries[i].value = value } else { entries.append((key, value)) }
    }

    mutating func note(_ text: String) { notes.append(text) }

    subscript(key: String) -> Double? { entries.first { $0.key == key }?.value }

    /// One JSON object: every figure (rounded to 0.1, or 4 digits below 10), and `notes`.
    func json() -> String {
        var object: [String: Any] = [:]
        for (key, value) in entries {
            if value.isFinite {
                object[key] = abs(value) < 10 ? (value * 10_000).rounded() / 10_000 : (value * 10).rounded() / 10
            }
        }
        object["notes"] = notes
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

/// Prints progress lines to standard error so `--json` keeps standard output clean.
func benchLog(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// Seconds since `start` on the continuous clock.
func secondsSince(_ start: ContinuousClock.Instant) -> Double {
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}
