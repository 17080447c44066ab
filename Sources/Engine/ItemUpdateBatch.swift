import Models

/// One message of item-state sharing: what one instance's learning changed in the items it
/// touched since its previous message, as differences to add (item vector, bias, event count,
/// popularity), keyed by item id so that instances numbering rows differently agree.
///
/// Every instance adds the others' batches to its own state and to the part it counts as
/// shared, so each item converges to its common start (seeded by the item id) plus the sum of
/// every instance's changes. `author` and `sequence` identify a batch: a batch is applied once
/// per author and sequence, and an instance never applies its own.
///
/// Wire format (little endian): magic `SRIU`, version byte 1, author, sequence, sent-at ms,
/// newest event ms, factors (UInt16), popularity origin ms (Int64.min: none), explicit-mean
/// events (Int64) and rating sum (Double), then the item count and per item: id, bias, events
/// (Int32), popularity, and the vector (a UInt64 count, `factors`, then the floats).
public struct ItemUpdateBatch: Sendable, Equatable {
    /// The change of one item.
    public struct Item: Sendable, Equatable {
        /// External item id.
        public var id: String
        /// Difference of the item bias.
        public var bias: Float
        /// Events learned for the item (as a positive) since the last batch.
        public var count: Int32
        /// Gain of the item's decayed popularity, in the scale of `popularityOriginMs`.
        public var popularity: Float
        /// Difference of the item vector (`factors` floats).
        public var vector: [Float]

        /// Creates one item's change.
        public init(id: String, bias: Float, count: Int32, popularity: Float, vector: [Float]) {
            self.id = id
            self.bias = bias
            self.count = count
            self.popularity = popularity
            self.vector = vector
        }
    }

    /// The instance that sent it (an id made at its start).
    public var author: String
    /// Its number among the author's batches, from 1.
    public var sequence: UInt64
    /// Wall-clock time it was made, epoch ms.
    public var sentAtMs: Int64
    /// Event time of the newest event the author had applied, ms.
    public var newestEventMs: Int64
    /// Latent dimension of the vectors.
    public var factors: Int
    /// Origin of the author's popularity scale (nil: it had seen no event).
    public var popularityOriginMs: Int64?
    /// Explicit feedback: ratings learned since the last batch, and their sum (for μ).
    public var ratingEvents: Int64
    /// See `ratingEvents`.
    public var ratingSum: Double
    /// The items changed.
    public var items: [Item]

    /// Creates a batch.
    public init(author: String, sequence: UInt64, sentAtMs: Int64, newestEventMs: Int64, factors: Int,
                popularityOriginMs: Int64?, ratingEvents: Int64 = 0, ratingSum: Double = 0, items: [Item]) {
        self.author = author
        self.sequence = sequence
        self.sentAtMs = sentAtMs
        self.newestEventMs = newestEventMs
        self.factors = factors
        self.popularityOriginMs = popularityOriginMs
        self.ratingEvents = ratingEvents
        self.ratingSum = ratingSum
        self.items = items
    }

    static let magic: [UInt8] = Array("SRIU".utf8)
    static let version: UInt8 = 1

    /// The record value.
    public func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: 64 + items.count * (24 + factors * 4))
        w.append(bytes: Self.magic)
        w.append(Self.version)
        w.append(author)
        w.append(sequence)
        w.append(sentAtMs)
        w.append(newestEventMs)
        w.append(UInt16(factors))
        w.append(popularityOriginMs ?? .min)
        w.append(ratingEvents)
        w.append(ratingSum)
        w.append(UInt32(items.count))
        for item in items {
            w.append(item.id)
            w.append(item.bias)
            w.append(item.count)
            w.append(item.popularity)
            item.vector.withUnsafeBufferPointer { w.append(floats: $0) }
        }
        return w.bytes
    }

    /// Decodes a record value; throws with the reason when it is not a batch of this format.
    public init(decoding bytes: [UInt8]) throws(SnapshotError) {
        var r = ByteReader(bytes, context: "item update")
        guard bytes.count >= 5, try r.readBytes(4) == Self.magic else {
            throw SnapshotError(.badMagic, "an item update starts with SRIU")
        }
        let version = try r.read(UInt8.self)
        guard version == Self.version else {
            throw SnapshotError(.unsupportedVersion, "item update version \(version), this build reads \(Self.version)")
        }
        author = try r.readString()
        guard !author.isEmpty else { throw SnapshotError(.malformed, "item update without an author") }
        sequence = try r.read(UInt64.self)
        sentAtMs = try r.read(Int64.self)
        newestEventMs = try r.read(Int64.self)
        factors = Int(try r.read(UInt16.self))
        let origin = try r.read(Int64.self)
        popularityOriginMs = origin == .min ? nil : origin
        ratingEvents = try r.read(Int64.self)
        ratingSum = try r.readDouble()
        let count = Int(try r.read(UInt32.self))
        guard count <= r.remaining / max(1, 24 + factors * 4) + 1 else {
            throw SnapshotError(.truncated, "item update declares \(count) items in \(r.remaining) bytes")
        }
        var items: [Item] = []
        items.reserveCapacity(count)
        for _ in 0..<count {
            let id = try r.readString()
            guard !id.isEmpty else { throw SnapshotError(.malformed, "item update names an empty item id") }
            let bias = try r.readFloat()
            let events = try r.read(Int32.self)
            let popularity = try r.readFloat()
            let vector = try r.readFloats()
            guard vector.count == factors else {
                throw SnapshotError(.malformed, "item update for \(id) has \(vector.count) factors, the batch says \(factors)")
            }
            guard bias.isFinite, popularity.isFinite, vector.allSatisfy(\.isFinite) else {
                throw SnapshotError(.malformed, "item update for \(id) holds a value that is not finite")
            }
            items.append(Item(id: id, bias: bias, count: events, popularity: popularity, vector: vector))
        }
        guard r.remaining == 0 else { throw SnapshotError(.malformed, "item update has \(r.remaining) bytes after its last item") }
        self.items = items
    }
}
