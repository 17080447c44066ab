import Foundation
import Models

/// A table of interactions with dense indices: the harness's working form of a dataset.
///
/// Row `k` is (`user[k]`, `item[k]`, `value[k]`, `timestamp[k]`); `userIds` / `itemIds` map dense
/// indices back to the dataset's identifiers. Rows keep the file order, which breaks timestamp ties.
public struct Interactions: Sendable {
    /// Dense user index of each row.
    public var user: [Int32]
    /// Dense item index of each row.
    public var item: [Int32]
    /// Value of each row (rating, or 1 for an implicit event).
    public var value: [Float]
    /// Timestamp of each row (ms, seconds or a sequence position: only the order matters).
    public var timestamp: [Int64]
    /// External id of each user index.
    public var userIds: [String]
    /// External id of each item index.
    public var itemIds: [String]

    /// Builds a table; throws when the columns differ in length or an index has no id.
    public init(user: [Int32], item: [Int32], value: [Float], timestamp: [Int64],
                userIds: [String]? = nil, itemIds: [String]? = nil) throws {
        guard user.count == item.count, item.count == value.count, value.count == timestamp.count else {
            throw EvaluationError(.parse, "Interactions: columns differ in length")
        }
        let users = Int((user.max() ?? -1) + 1), items = Int((item.max() ?? -1) + 1)
        self.user = user
        self.item = item
        self.value = value
        self.timestamp = timestamp
        self.userIds = userIds ?? (0..<users).map(String.init)
        self.itemIds = itemIds ?? (0..<items).map(String.init)
        guard self.userIds.count >= users, self.itemIds.count >= items, user.allSatisfy({ $0 >= 0 }), item.allSatisfy({ $0 >= 0 }) else {
            throw EvaluationError(.parse, "Interactions: an index has no id")
        }
    }

    /// Builds a table from external ids, assigning dense indices in order of first appearance.
    public init(userIds rawUsers: [String], itemIds rawItems: [String], value: [Float], timestamp: [Int64]) throws {
        var um: [String: Int32] = [:], im: [String: Int32] = [:]
        var us: [String] = [], its: [String] = []
        var u = [Int32](), i = [Int32]()
        u.reserveCapacity(rawUsers.count)
        i.reserveCapacity(rawItems.count)
        for s in rawUsers {
            if let x = um[s] { u.append(x) } else { let x = Int32(us.count); um[s] = x; us.append(s); u.append(x) }
        }
        for s in rawItems {
            if let x = im[s] { i.append(x) } else { let x = Int32(its.count); im[s] = x; its.append(s); i.append(x) }
        }
        try self.init(user: u, item: i, value: value, timestamp: timestamp, userIds: us, itemIds: its)
    }

    /// Number of rows.
    public var count: Int { user.count }
    /// Number of user indices.
    public var users: Int { userIds.count }
    /// Number of item indices.
    public var items: Int { itemIds.count }

    /// The rows at `indices`, same index space (ids kept).
    public func rows(_ indices: [Int]) -> Interactions {
        var out = self
        out.user = indices.map { user[$0] }
        out.item = indices.map { item[$0] }
        out.value = indices.map { value[$0] }
        out.timestamp = indices.map { timestamp[$0] }
        return out
    }

    /// Row indices in time order (stable: file order breaks ties).
    public func timeOrder() -> [Int] {
        Array(0..<count).sorted { a, b in timestamp[a] != timestamp[b] ? timestamp[a] < timestamp[b] : a < b }
    }

    /// Row indices of each user, in time order.
    public func rowsByUser() -> [[Int]] {
        var byUser = [[Int]](repeating: [], count: users)
        for k in timeOrder() { byUser[Int(user[k])].append(k) }
        return byUser
    }

    /// The rows as a model's sparse training matrix, over the full index space. `binary` replaces
    /// every value with 1 (implicit feedback).
    public func trainingData(binary: Bool = false) throws -> TrainingData {
        try TrainingData(users: users, items: items, userIndex: user, itemIndex: item,
                         values: binary ? [Float](repeating: 1, count: count) : value)
    }

    /// Like ``trainingData(binary:)`` but each value is multiplied by `1 + boost · exp(−age/τ)`,
    /// where `age` counts the user's later events in this table (0 for the latest): recent events
    /// weigh more in the user's vector. `τ <= 0` leaves values unchanged.
    public func trainingData(binary: Bool, recency tau: Double, boost: Float) throws -> TrainingData {
        guard tau > 0 else { return try trainingData(binary: binary) }
        var weighted = binary ? [Float](repeating: 1, count: count) : value
        for rows in rowsByUser() {
            for (pos, k) in rows.enumerated() {
                let age = Double(rows.count - 1 - pos)
                weighted[k] *= 1 + boost * Float(exp(-age / tau))
            }
        }
        return try TrainingData(users: users, items: items, userIndex: user, itemIndex: item, values: weighted)
    }

    /// Smallest and largest value (for clamping rating predictions).
    public var valueRange: ClosedRange<Float> {
        guard let lo = value.min(), let hi = value.max() else { return 0...0 }
        return lo...hi
    }
}
