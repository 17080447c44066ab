import Foundation

/// Thread-safe holder of the last Kafka error text.
final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var text: String?
    func set(_ value: String?) { lock.lock(); text = value; lock.unlock() }
    var value: String? { lock.lock(); defer { lock.unlock() }; return text }
}
