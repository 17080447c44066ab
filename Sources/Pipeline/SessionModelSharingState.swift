import Foundation
import Models

/// The pipeline's hold on the models topic: its follower, and the chunks of published session
/// models received so far, by model version, until one is complete.
///
/// A model is published as chunks of at most `chunkBytes`: key `session/<index>`, value magic
/// `SRSM`, format version 1, model version (Int64), index and count (UInt32), then the bytes.
final class SessionModelSharingState {
    /// The topic.
    let topic: String
    /// Reads and follows it.
    let follower: ItemTopicFollower
    private var partial: [Int64: (count: Int, chunks: [Int: ArraySlice<UInt8>])] = [:]

    static let magic: [UInt8] = Array("SRSM".utf8)
    static let chunkBytes = 512 * 1024
    static let headerBytes = 4 + 1 + 8 + 4 + 4

    init(topic: String, follower: ItemTopicFollower) {
        self.topic = topic
        self.follower = follower
    }

    /// The messages that publish `bytes` as model `version`: (key, value) pairs.
    static func chunks(version: Int64, bytes: [UInt8]) -> [([UInt8], [UInt8])] {
        let count = max(1, (bytes.count + chunkBytes - 1) / chunkBytes)
        return (0..<count).map { i in
            var w = ByteWriter(capacity: headerBytes + chunkBytes)
            w.append(bytes: magic)
            w.append(UInt8(1))
            w.append(version)
            w.append(UInt32(i))
            w.append(UInt32(count))
            let end = min(bytes.count, (i + 1) * chunkBytes)
            w.append(bytes: Array(bytes[(i * chunkBytes)..<end]))
            return (Array("session/\(i)".utf8), w.bytes)
        }
    }

    /// Takes one chunk; returns the version and bytes of a model it completes. Throws for a
    /// value that is not a chunk.
    func receive(_ value: [UInt8]) throws -> (version: Int64, bytes: [UInt8])? {
        var r = ByteReader(value, context: "session model chunk")
        guard value.count >= Self.headerBytes, try r.readBytes(4) == Self.magic else {
            throw SnapshotError(.badMagic, "a session model chunk starts with SRSM")
        }
        let format = try r.read(UInt8.self)
        guard format == 1 else { throw SnapshotError(.unsupportedVersion, "session model chunk format \(format), this build reads 1") }
        let version = try r.read(Int64.self)
        let index = Int(try r.read(UInt32.self)), count = Int(try r.read(UInt32.self))
        guard count > 0, index < count else { throw SnapshotError(.malformed, "session model chunk \(index) of \(count)") }
        var entry = partial[version] ?? (count, [:])
        guard entry.count == count else { throw SnapshotError(.malformed, "session model \(version) announced \(entry.count) chunks, then \(count)") }
        entry.chunks[index] = value[Self.headerBytes...]
        guard entry.chunks.count == count else {
            partial[version] = entry
            return nil
        }
        partial = partial.filter { $0.key > version }
        var bytes: [UInt8] = []
        for i in 0..<count { bytes += entry.chunks[i]! }
        return (version, bytes)
    }
}
