import Foundation

/// A one-line progress bar on standard error, redrawn at most ten times a second.
/// On a non-terminal it prints a plain line every 10 %, so logs stay readable.
final class ProgressBar: @unchecked Sendable {
    private let label: String
    private let total: Int
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var lastDecile = -1
    private let lock = NSLock()

    init(_ label: String, total: Int) {
        self.label = label
        self.total = max(total, 1)
    }

    /// Reports `done` of `total`, with an optional suffix (a metric, a loss).
    func update(_ done: Int, suffix: String = "") {
        lock.lock(); defer { lock.unlock() }
        let fraction = min(1, Double(done) / Double(total))
        if isTerminal {
            let now = Date()
            guard now.timeIntervalSince(lastDraw) >= 0.1 || done >= total else { return }
            lastDraw = now
            let width = 30
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            let elapsed = now.timeIntervalSince(start)
            let eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0
            FileHandle.standardError.write(Data(String(format: "\r%@ %@ %3.0f%% %d/%d %.0fs left %@\u{1B}[K",
                                                        label, bar, fraction * 100, done, total, eta, suffix).utf8))
        } else {
            let decile = Int(fraction * 10)
            guard decile != lastDecile else { return }
            lastDecile = decile
            FileHandle.standardError.write(Data("\(label): \(decile * 10)% (\(done)/\(total)) \(suffix)\n".utf8))
        }
    }

    /// Ends the bar's line.
    func finish() {
        if isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

/// Writes a line to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
