import Foundation
import Kafka

/// Messages whose delivery failed, collected from the producer's callback (any thread) for the
/// pipeline thread: the users whose list did not reach the output topic, and how many changelog
/// records did not reach the changelog.
final class DeliveryFailures: @unchecked Sendable {
    private let lock = NSLock()
    private var listUsers: [String] = []
    private var changelog = 0
    private var itemUpdateKeys: [[UInt8]] = []
    private var total: Int64 = 0
    let outputTopic: String
    let changelogTopic: String?
    let itemUpdatesTopic: String?

    init(outputTopic: String, changelogTopic: String?, itemUpdatesTopic: String? = nil) {
        self.outputTopic = outputTopic
        self.changelogTopic = changelogTopic
        self.itemUpdatesTopic = itemUpdatesTopic
    }

    /// Records one failed message.
    func record(_ failure: DeliveryFailure) {
        lock.lock(); defer { lock.unlock() }
        total += 1
        if failure.topic == outputTopic {
            listUsers.append(String(decoding: failure.key, as: UTF8.self))
        } else if failure.topic == changelogTopic {
            changelog += 1
        } else if failure.topic == itemUpdatesTopic {
            itemUpdateKeys.append(failure.key)
        }
    }

    /// Failed messages of any topic since start.
    var count: Int64 { lock.lock(); defer { lock.unlock() }; return total }

    /// Takes the keys of the item-update messages that failed since the last call.
    func takeItemUpdates() -> [[UInt8]] {
        lock.lock(); defer { lock.unlock() }
        let out = itemUpdateKeys
        itemUpdateKeys = []
        return out
    }

    /// Takes the users whose list failed and the number of failed changelog records since the last call.
    func take() -> (listUsers: [String], changelogRecords: Int) {
        lock.lock(); defer { lock.unlock() }
        let out = (listUsers, changelog)
        listUsers = []
        changelog = 0
        return out
    }
}
