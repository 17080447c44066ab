import Engine
import Models

/// The end of one complete write round of a partition's state on the changelog: every user
/// record of the round lies before it, and the state it completes reflects the input up to
/// `inputOffset` (the next offset to consume).
///
/// `id` is `writer:sequence`; `previous` is the id of the marker the writer's state descends
/// from (its own last round, or the marker it restored from), so a restore follows one chain
/// of writers and ignores records of any other (a member that lost the partition, a crash
/// in the middle of a round).
public struct ChangelogMarker: Sendable, Equatable {
    /// `writer:sequence`, unique per round.
    public var id: String
    /// The marker this state descends from (nil: the partition's first state).
    public var previous: String?
    /// Input partition (= changelog partition).
    public var partition: Int32
    /// Next input offset to consume for the state this round completes.
    public var inputOffset: Int64
    /// Events applied to the partition's state in total.
    public var appliedEvents: Int64
    /// Users of the partition held when the round was written.
    public var users: Int64
    /// Wall-clock time of writing, epoch ms.
    public var writtenAtMs: Int64

    /// Creates a marker.
    public init(id: String, previous: String?, partition: Int32, inputOffset: Int64, appliedEvents: Int64,
                users: Int64, writtenAtMs: Int64) {
        self.id = id
        self.previous = previous
        self.partition = partition
        self.inputOffset = inputOffset
        self.appliedEvents = appliedEvents
        self.users = users
        self.writtenAtMs = writtenAtMs
    }

    /// The writer part of `id`.
    public var writer: String { String(id.split(separator: ":", maxSplits: 1).first ?? "") }

    /// Body bytes (after the record kind and writer): `u8 version=1, str id, str previous
    /// ("" = none), i32 partition, i64 inputOffset, i64 appliedEvents, i64 users, i64 writtenAtMs`.
    func body() -> [UInt8] {
        var w = ByteWriter()
        w.append(UInt8(1))
        w.append(id)
        w.append(previous ?? "")
        w.append(partition)
        w.append(inputOffset)
        w.append(appliedEvents)
        w.append(users)
        w.append(writtenAtMs)
        return w.bytes
    }

    /// Reads `body()`.
    init(body: ArraySlice<UInt8>) throws {
        var r = ByteReader(Array(body), context: "changelog marker")
        let version = try r.read(UInt8.self)
        guard version == 1 else { throw SnapshotError(.unsupportedVersion, "changelog marker version \(version)") }
        id = try r.readString()
        let previous = try r.readString()
        self.previous = previous.isEmpty ? nil : previous
        partition = try r.read(Int32.self)
        inputOffset = try r.read(Int64.self)
        appliedEvents = try r.read(Int64.self)
        users = try r.read(Int64.self)
        writtenAtMs = try r.read(Int64.self)
    }
}
