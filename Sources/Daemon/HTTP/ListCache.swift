import Engine
import Foundation
import Pipeline

/// The lists most recently handed to the output topic, per user, so the query endpoint can
/// answer with exactly the record subscribers saw. Bounded: past `capacity` users the least
/// recently used entry (published or read) is evicted; its user then gets a list computed on
/// demand.
///
/// Thread-safe: written from the pipeline thread (`StreamPipeline.onPublish`), read from HTTP
/// handlers. Recency is a doubly linked list threaded through slot arrays, so recording and
/// reading are O(1) and allocate nothing once the cache is full.
public final class ListCache: @unchecked Sendable {
    /// Most users kept.
    public let capacity: Int
    private let lock = NSLock()
    private var slotByUser: [String: Int] = [:]
    private var lists: [RecommendationList] = []
    /// Neighbours in recency order (-1: none); `newest` and `oldest` are the ends.
    private var newer: [Int] = [], older: [Int] = []
    private var newest = -1, oldest = -1

    /// Creates an empty cache holding at most `capacity` users' lists.
    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Number of users held.
    public var count: Int {
        lock.lock(); defer { lock.unlock() }
        return slotByUser.count
    }

    /// Records a published list (replacing the user's previous one) as the most recently used.
    public func record(_ list: RecommendationList) {
        lock.lock(); defer { lock.unlock() }
        if let slot = slotByUser[list.user] {
            lists[slot] = list
            touch(slot)
            return
        }
        let slot: Int
        if lists.count < capacity {
            slot = lists.count
            lists.append(list)
            newer.append(-1)
            older.append(-1)
        } else {
            slot = oldest
            unlink(slot)
            slotByUser.removeValue(forKey: lists[slot].user)
            lists[slot] = list
        }
        slotByUser[list.user] = slot
        pushNewest(slot)
    }

    /// The last published list of `user`, if held (it becomes the most recently used).
    public func list(for user: String) -> RecommendationList? {
        lock.lock(); defer { lock.unlock() }
        guard let slot = slotByUser[user] else { return nil }
        touch(slot)
        return lists[slot]
    }

    private func touch(_ slot: Int) {
        guard slot != newest else { return }
        unlink(slot)
        pushNewest(slot)
    }

    private func unlink(_ slot: Int) {
        let n = newer[slot], o = older[slot]
        if n >= 0 { older[n] = o } else { newest = o }
        if o >= 0 { newer[o] = n } else { oldest = n }
        newer[slot] = -1
        older[slot] = -1
    }

    private func pushNewest(_ slot: Int) {
        older[slot] = newest
        newer[slot] = -1
        if newest >= 0 { newer[newest] = slot }
        newest = slot
        if oldest < 0 { oldest = slot }
    }
}
