import Foundation
import Kafka

/// Messages whose delivery failed, collected from the producer's callback (any thread) for the
/// pipeline thread: the users whose list did not reach the output topic, and how many changelog
/// records did not reach the changelog.
final class DeliveryFailures: @unchecked Sendable {
    private let lock = NSLock()
    private var listUsers: [String] = []
    private var changelog = 0
    private var total: Int64 = 0
    let outputTopic: String
    let changelogTopic: String?

    init(outputTopic: String, changelogTopic: String?) {
        self.outputTopic = outputTopic
        self.changelogTopic = changelogTopic
    }

    /// Records one failed message.
    func record(_ failure: DeliveryFailure) {
        lock.lock(); defer { lock.unlock() }
        total += 1
        if failure.topic == outputTopic {
            listUsers.append(String(decoding: failure.key, as: UTF8.self))
        } else if failure.topic == changelogTopic {
            changelog += 1
        }
    }

    /// Failed messages of any topic since start.
    var count: Int64 { lock.lock(); defer { lock.unlock() }; return total }

    /// Takes the users whose list failed and the number of failed changelog records since the last call.
    func take() -> (listUsers: [String], changelogRecords: Int) {
        lock.lock(); defer { lock.unlock() }
        let out = (listUsers, changelog)
        listUsers = []
        changelog = 0
        return out
    }
}
