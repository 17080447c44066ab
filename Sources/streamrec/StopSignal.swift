import Dispatch
import Foundation

/// Turns SIGINT and SIGTERM into a callback for the synchronous commands (demo, produce).
final class StopSignal: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private let lock = NSLock()
    private var fired = false

    /// Whether a signal arrived.
    var triggered: Bool { lock.lock(); defer { lock.unlock() }; return fired }

    /// Removes the handlers (releasing what `action` captured) and restores default dispositions.
    func cancel() {
        for source in sources { source.cancel() }
        sources.removeAll()
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }

    /// Installs handlers; `action` runs once, on a background queue.
    func install(_ action: @escaping @Sendable () -> Void) {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [self] in
                lock.lock()
                let first = !fired
                fired = true
                lock.unlock()
                if first { action() }
            }
            source.resume()
            sources.append(source)
        }
    }
}
