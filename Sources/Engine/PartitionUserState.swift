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
        let start = w.count
        factors.withUnsafeBufferPointer { vector in
            Self.encodeHead(into: &w, id: id, lastSource: lastSource, eventCount: eventCount, publishedCount: publishedCount,
                            mfCount: mfCount, bias: bias, factors: vector)
        }
        Self.encodeStrings(into: &w, count: seen.count) { seen[$0] }
        Self.encodeStrings(into: &w, count: lastList.count) { lastList[$0] }
        let extended = sessionForward.withUnsafeBufferPointer { forward in
            Self.encodeSession(into: &w, itemCount: sessionItems.count, item: { sessionItems[$0] },
                               timeCount: sessionTimes.count, time: { sessionTimes[$0] }, lastEventMs: sessionLastEventMs,
                               typeCount: sessionTypes.count, type: { sessionTypes[$0] },
                               forward: forward, forwardModel: sessionForwardModel, forwardPending: sessionPending)
        }
        if extended { Self.markVersion2(&w, recordAt: start) }
    }

    // The record's parts, in order, for writers that read a user's state from elsewhere (the
    // engine writes a held user's record from its tables, without building the value first):
    // `encodeHead`, the seen items and the last list (`encodeStrings`), `encodeSession`, and
    // `markVersion2` when that wrote the version-2 part.

    /// Writes the fields a record starts with, up to the factors, with version byte 1.
    static func encodeHead(into w: inout ByteWriter, id: String, lastSource: EventSource, eventCount: Int32,
                                  publishedCount: Int32, mfCount: Int32, bias: Float, factors: UnsafeBufferPointer<Float>) {
        w.append(version)
        w.append(id)
        w.append(lastSource.partition)
        w.append(lastSource.offset)
        w.append(eventCount)
        w.append(publishedCount)
        w.append(mfCount)
        w.append(bias)
        w.append(floats: factors)
    }

    /// Writes a list of `count` strings, element k being `string(k)`.
    static func encodeStrings(into w: inout ByteWriter, count: Int, _ string: (Int) -> String) {
        w.append(UInt64(count))
        for k in 0..<count { w.append(string(k)) }
    }

    /// Writes the session window (items, times, newest event time) and, when there are types or
    /// a forward state, the version-2 part (types, forward model, pending steps, forward state).
    /// Returns whether the version-2 part was written.
    static func encodeSession(into w: inout ByteWriter, itemCount: Int, item: (Int) -> String,
                                     timeCount: Int, time: (Int) -> Int64, lastEventMs: Int64,
                                     typeCount: Int, type: (Int) -> UInt8, forward: UnsafeBufferPointer<Float>,
                                     forwardModel: Int64, forwardPending: Int32) -> Bool {
        encodeStrings(into: &w, count: itemCount, item)
        w.append(UInt32(timeCount))
        for k in 0..<timeCount { w.append(time(k)) }
        w.append(lastEventMs)
        guard typeCount > 0 || !forward.isEmpty else { return false }
        w.append(UInt32(typeCount))
        for k in 0..<typeCount { w.append(type(k)) }
        w.append(forwardModel)
        w.append(forwardPending)
        w.append(floats: forward)
        return true
    }

    /// Writes an empty window and no version-2 part (a user without session state); returns false.
    static func encodeNoSession(into w: inout ByteWriter) -> Bool {
        encodeSession(into: &w, itemCount: 0, item: { _ in "" }, timeCount: 0, time: { _ in 0 }, lastEventMs: .min,
                      typeCount: 0, type: { _ in 0 }, forward: UnsafeBufferPointer(start: nil, count: 0),
                      forwardModel: 0, forwardPending: 0)
    }

    /// Sets the version byte of the record that starts at `start` in `w` to 2.
    static func markVersion2(_ w: inout ByteWriter, recordAt start: Int) { w.overwrite(2, at: start) }

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
