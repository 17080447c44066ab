import Dispatch
import Foundation

/// Turns SIGHUP (`systemctl reload`) into a callback, once per signal, on a background queue.
final class ReloadSignal: @unchecked Sendable {
    private var source: DispatchSourceSignal?

    /// Installs the handler; `action` runs for every SIGHUP until `cancel()`.
    func install(_ action: @escaping @Sendable () -> Void) {
        signal(SIGHUP, SIG_IGN)
        let s = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        s.setEventHandler(handler: action)
        s.resume()
        source = s
    }

    /// Removes the handler and restores the default disposition.
    func cancel() {
        source?.cancel()
        source = nil
        signal(SIGHUP, SIG_DFL)
    }
}
