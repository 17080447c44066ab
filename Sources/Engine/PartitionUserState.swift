import Models

/// Everything the engine holds for one user, by external ids, so it can leave one instance and
/// be restored on another (whose rows and item numbering differ): the MF vector and bias, the
/// seen items, the last published list and the position it was based on, counters, and the
/// session window. The unit a changelog record carries.
///
/// Binary encoding (`encoded()`, little-endian; version 1):
/// `u8 version=1, str id, i32 partition, i64 offset, i32 events, i32 published, i32 mfCount,
/// f32 bias, [f32] factors, [str] seen, [str] lastList, [str] sessionItems, [i64] sessionTimes
/// (Int64.min: no time), i64 sessionLastEventMs`, where `str` is a u32 length and UTF-8 bytes
/// and `[x]` a u32 count followed by the elements. Version 2 (written when the window has steps
/// or the user has a carried forward session state) appends `[u8] sessionTypes (one per window
/// step, or none), i64 sessionForwardModel, i32 sessionPending, [f32] sessionForward`.
public struct PartitionUserState: Sendable, Equatable {
    /// Record format version written by `encoded()` without session state (with some: 2).
    public static let version: UInt8 = 1

    /// External user id.
    public var id: String
    /// Input position of the user's last applied event (its partition is the user's partition).
    public var lastSource: EventSource
    /// Events applied for the user.
    public var eventCount: Int32
    /// Lists published for the user.
    public var publishedCount: Int32
    /// The MF learner's per-user event count (frequency-adaptive regularization).
    public var mfCount: Int32
    /// User bias.
    public var bias: Float
    /// User factor vector (`model.factors` floats).
    public var factors: [Float]
    /// Items the user interacted with (never recommended to them).
    public var seen: [String]
    /// Items of the list last published for the user, best first.
    public var lastList: [String]
    /// Session window items, oldest first (items the session model knows).
    public var sessionItems: [String]
    /// Event time of each window step (`Int64.min`: unknown).
    public var sessionTimes: [Int64]
    /// Event time of the newest window step (`Int64.min`: none).
    public var sessionLastEventMs: Int64
    /// The forward GRU state the user's session vector was last encoded with (empty: none; the
    /// new owner encodes the window from scratch), the serving model it belongs to
    /// (`SessionTracker.modelFingerprint`), and the window steps appended since.
    public var sessionForward: [Float] = []
    public var sessionForwardModel: Int64 = 0
    public var sessionPending: Int32 = 0
    /// Event type of each window step (empty: unknown, read as 0).
    public var sessionTypes: [UInt8] = []

    /// Creates a state record.
    public init(id: String, lastSource: EventSource, eventCount: Int32, publishedCount: Int32, mfCount: Int32,
                bias: Float, factors: [Float], seen: [String], lastList: [String],
                sessionItems: [String] = [], sessionTimes: [Int64] = [], sessionLastEventMs: Int64 = .min) {
        self.id = id
        self.lastSource = lastSource
        self.eventCount = eventCount
        self.publishedCount = publishedCount
        self.mfCount = mfCount
        self.bias = bias
        self.factors = factors
        self.seen = seen
        self.lastList = lastList
        self.sessionItems = sessionItems
        self.sessionTimes = sessionTimes
        self.sessionLastEventMs = sessionLastEventMs
    }

    /// The input partition the user belongs to.
    public var partition: Int32 { lastSource.partition }

    /// The binary record (see the type's documentation).
    public func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: 96 + 4 * factors.count + 16 * (seen.count + lastList.count + sessionItems.count))
        encode(into: &w)
        return w.bytes
    }

    /// Appends the binary record to `w`.
    public func encode(into w: inout ByteWriter) {
        factors.withUnsafeBufferPointer { vector in
            Self.encode(into: &w, id: id, lastSource: lastSource, eventCount: eventCount, publishedCount: publishedCount,
                        mfCount: mfCount, bias: bias, factors: vector, seen: seen, lastList: lastList,
                        sessionItems: sessionItems, sessionTimes: sessionTimes, sessionLastEventMs: sessionLastEventMs,
                        sessionTypes: sessionTypes, forward: (sessionForward, sessionForwardModel, sessionPending))
        }
    }

    /// Appends the binary record of a state given by its parts (the engine writes a held
    /// user's record from its tables, without building the value first).
    public static func encode(into w: inout ByteWriter, id: String, lastSource: EventSource, eventCount: Int32,
                              publishedCount: Int32, mfCount: Int32, bias: Float, factors: UnsafeBufferPointer<Float>,
                              seen: [String], lastList: [String], sessionItems: [String], sessionTimes: [Int64],
                              sessionLastEventMs: Int64, sessionTypes: [UInt8] = [],
                              forward: (state: [Float], model: Int64, pending: Int32) = ([], 0, 0)) {
        let extended = !forward.state.isEmpty || !sessionTypes.isEmpty
        w.append(extended ? 2 : version)
        w.append(id)
        w.append(lastSource.partition)
        w.append(lastSource.offset)
        w.append(eventCount)
        w.append(publishedCount)
        w.append(mfCount)
        w.append(bias)
        w.append(floats: factors)
        w.append(seen)
        w.append(lastList)
        w.append(sessionItems)
        w.append(UInt32(sessionTimes.count))
        for t in sessionTimes { w.append(t) }
        w.append(sessionLastEventMs)
        if extended {
            w.append(UInt32(sessionTypes.count))
            w.append(bytes: sessionTypes)
            w.append(forward.model)
            w.append(forward.pending)
            forward.state.withUnsafeBufferPointer { w.append(floats: $0) }
        }
    }

    /// Decodes `encoded()` output; throws `SnapshotError` naming what is wrong.
    public init(decoding bytes: [UInt8]) throws {
        var r = ByteReader(bytes, context: "user state record")
        try self.init(reading: &r)
    }

    /// Decodes the record that starts at `r`'s position and runs to its end.
    public init(reading r: inout ByteReader) throws {
        let version = try r.read(UInt8.self)
        guard version == 1 || version == 2 else {
            throw SnapshotError(.unsupportedVersion, "user state record version \(version) (this build reads 1 and 2)")
        }
        id = try r.readString()
        lastSource = EventSource(partition: try r.read(Int32.self), offset: try r.read(Int64.self))
        eventCount = try r.read(Int32.self)
        publishedCount = try r.read(Int32.self)
        mfCount = try r.read(Int32.self)
        bias = try r.readFloat()
        factors = try r.readFloats()
        seen = try r.readStrings()
        lastList = try r.readStrings()
        sessionItems = try r.readStrings()
        let times = Int(try r.read(UInt32.self))
        guard times == sessionItems.count else {
            throw SnapshotError(.malformed, "user state record: \(sessionItems.count) window items, \(times) times")
        }
        var sessionTimes: [Int64] = []
        sessionTimes.reserveCapacity(times)
        for _ in 0..<times { sessionTimes.append(try r.read(Int64.self)) }
        self.sessionTimes = sessionTimes
        sessionLastEventMs = try r.read(Int64.self)
        if version == 2 {
            let types = Int(try r.read(UInt32.self))
            guard types == 0 || types == sessionItems.count else {
                throw SnapshotError(.malformed, "user state record: \(sessionItems.count) window items, \(types) types")
            }
            sessionTypes = try r.readBytes(types)
            sessionForwardModel = try r.read(Int64.self)
            sessionPending = try r.read(Int32.self)
            sessionForward = try r.readFloats()
        }
        guard r.remaining == 0 else { throw SnapshotError(.malformed, "user state record: trailing bytes") }
    }
}
