import Engine
import Foundation

/// The lists most recently handed to the output topic, per user, so the query endpoint can
/// answer with exactly the record subscribers saw. Bounded: past `capacity` users the oldest
/// entry is evicted (its user then gets a list computed on demand).
///
/// Thread-safe: written from the pipeline thread (`StreamPipeline.onPublish`), read from HTTP
/// handlers.
public final class ListCache: @unchecked Sendable {
    /// Most users kept.
    public let capacity: Int
    private let lock = NSLock()
    private var lists: [String: RecommendationList] = [:]
    private var order: [String] = []
    private var head = 0

    /// Creates an empty cache holding at most `capacity` users' lists.
    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Number of users held.
    public var count: Int {
        lock.lock(); defer { lock.unlock() }
        return lists.count
    }

    /// Records a published list (replacing the user's previous one).
    public func record(_ list: RecommendationList) {
        lock.lock(); defer { lock.unlock() }
        if lists.updateValue(list, forKey: list.user) != nil { return }
        // New user: remember insertion order in a ring, evicting the oldest when full.
        if order.count < capacity {
            order.append(list.user)
        } else {
            lists.removeValue(forKey: order[head])
            order[head] = list.user
            head = (head + 1) % capacity
        }
    }

    /// The last published list of `user`, if held.
    public func list(for user: String) -> RecommendationList? {
        lock.lock(); defer { lock.unlock() }
        return lists[user]
    }
}
