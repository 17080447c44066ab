import Foundation

/// The pipeline's hold on the item-updates topic: its follower, the next offset to read per
/// partition (written into the checkpoint), and the update messages handed to the producer
/// and not yet known delivered, kept until they are (a failed one is sent again).
final class ItemSharingState {
    /// The topic.
    let topic: String
    /// Reads and follows it.
    let follower: ItemTopicFollower
    /// Next offset to read, per partition.
    var positions: [Int32: Int64]
    /// Update messages produced and not yet known delivered: sequence → (delivery tag, value).
    var inFlight: [UInt64: (tag: UInt32, value: [UInt8])] = [:]
    /// Monotonic ms of the last send.
    var lastSentMs: Int64 = 0

    init(topic: String, follower: ItemTopicFollower, positions: [Int32: Int64]) {
        self.topic = topic
        self.follower = follower
        self.positions = positions
    }

    /// The record key of an update message: `<author>/<sequence>`.
    static func key(author: String, sequence: UInt64) -> [UInt8] { Array("\(author)/\(sequence)".utf8) }

    /// The sequence a record key names (nil: not a key of this form).
    static func sequence(inKey key: [UInt8]) -> UInt64? {
        guard let slash = key.lastIndex(of: UInt8(ascii: "/")) else { return nil }
        return UInt64(String(decoding: key[(slash + 1)...], as: UTF8.self))
    }
}
