import Engine
import Models

/// One record of the state changelog (`kafka.changelog_topic`, compacted, partition p holds the
/// state of input partition p).
///
/// - User state: key = the user id (UTF-8), value = `u8 kind=1, str writer, PartitionUserState`.
/// - User removed: key = the user id, value = `u8 kind=2, str writer`.
/// - Round marker: key = `0xFF "m/" id` (not UTF-8, so never a user id), value =
///   `u8 kind=3, str writer, ChangelogMarker body`.
///
/// A marker has a key of its own per round, so compaction keeps every marker; compaction
/// keeps only the newest record per user.
public enum ChangelogRecord: Sendable, Equatable {
    /// A user's state, written by `writer`.
    case user(PartitionUserState, writer: String)
    /// A user removed from the partition's state.
    case removed(id: String, writer: String)
    /// The end of a complete round.
    case marker(ChangelogMarker, writer: String)

    static let markerKeyPrefix: [UInt8] = [0xFF] + Array("m/".utf8)

    /// The record key.
    public var key: [UInt8] {
        switch self {
        case .user(let state, _): Array(state.id.utf8)
        case .removed(let id, _): Array(id.utf8)
        case .marker(let marker, _): Self.markerKeyPrefix + Array(marker.id.utf8)
        }
    }

    /// The writer of the record.
    public var writer: String {
        switch self {
        case .user(_, let w), .removed(_, let w), .marker(_, let w): w
        }
    }

    /// The first bytes of a user-state value written by `writer` (the user's
    /// `PartitionUserState` record follows them).
    static func userValuePrefix(writer: String) -> [UInt8] {
        var w = ByteWriter()
        w.append(UInt8(1)); w.append(writer)
        return w.bytes
    }

    /// The record value.
    public var value: [UInt8] {
        var w = ByteWriter()
        switch self {
        case .user(let state, let writer):
            w.append(UInt8(1)); w.append(writer); state.encode(into: &w)
        case .removed(_, let writer):
            w.append(UInt8(2)); w.append(writer)
        case .marker(let marker, let writer):
            w.append(UInt8(3)); w.append(writer); w.append(bytes: marker.body())
        }
        return w.bytes
    }

    /// Decodes a record; throws `SnapshotError` for a value this build cannot read.
    public init(key: [UInt8], value: [UInt8]) throws {
        var r = ByteReader(value, context: "changelog record")
        let kind = try r.read(UInt8.self)
        let writer = try r.readString()
        switch kind {
        case 1: self = .user(try PartitionUserState(reading: &r), writer: writer)
        case 2: self = .removed(id: String(decoding: key, as: UTF8.self), writer: writer)
        case 3: self = .marker(try ChangelogMarker(body: value.suffix(r.remaining)), writer: writer)
        default: throw SnapshotError(.unsupportedVersion, "changelog record kind \(kind)")
        }
    }
}
