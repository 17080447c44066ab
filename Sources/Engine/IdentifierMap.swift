/// Two-way map between external string ids and dense `Int32` row indices.
///
/// The id → index side is an open-addressing table (linear probing, at most half full) of
/// `hash << 32 | index` entries, hashed with a fast multiply-mix over the UTF-8 bytes and a
/// per-process random seed: two lookups per event are on the engine's hot path, where the
/// standard dictionary's SipHash cost more than the rest of the bookkeeping together.
public struct IdentifierMap: Sendable {
    /// External id of each index, in order of first sight.
    public private(set) var ids: [String] = []
    /// `hash32 << 32 | index`, or `empty`; capacity a power of two.
    @usableFromInline var slots: [UInt64]
    /// Ids in the table (`ids` less forgotten rows).
    @usableFromInline var live = 0

    @usableFromInline static let empty = UInt64.max
    /// Seed of the hash, random per process (colliding ids cannot be prepared in advance).
    @usableFromInline static let seed = UInt64.random(in: 1...UInt64.max)

    /// Creates an empty map.
    public init() {
        slots = Array(repeating: Self.empty, count: 16)
    }

    /// Creates a map from ids in index order (empty ids are unnamed rows; of duplicates the
    /// last index wins).
    public init(ids: [String]) {
        self.ids = ids
        var capacity = 16
        while capacity < ids.count * 2 { capacity <<= 1 }
        slots = Array(repeating: Self.empty, count: capacity)
        for (i, id) in ids.enumerated() where !id.isEmpty { put(id, Int32(i)) }
    }

    /// Number of ids known.
    public var count: Int { ids.count }

    /// The index of `id`, if known.
    @inlinable
    public func index(of id: String) -> Int32? { lookup(id) }

    /// The index of `id`, if known: `index(of:)` for a map held in a class's stored property on a
    /// hot path. Reading such a property copies the map (a retain and a release of each of its
    /// buffers per call); a mutating call borrows it in place. Changes nothing.
    @inlinable
    public mutating func find(_ id: String) -> Int32? { lookup(id) }

    @inlinable
    func lookup(_ id: String) -> Int32? {
        let h = Self.hash(id)
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let entry = slots[i]
            if entry == Self.empty { return nil }
            if entry >> 32 == h {
                let index = Int32(truncatingIfNeeded: entry)
                if ids[Int(index)] == id { return index }
            }
            i = (i + 1) & mask
        }
    }

    /// The index of `id`, inserting it with the next index when new.
    public mutating func insert(_ id: String) -> (index: Int32, inserted: Bool) {
        if let i = lookup(id) { return (i, false) }
        let i = Int32(ids.count)
        ids.append(id)
        put(id, i)
        return (i, true)
    }

    /// Appends `id`, which the caller has just found absent, with the next index (one probe
    /// instead of `insert`'s two).
    public mutating func appendAbsent(_ id: String) -> Int32 {
        let i = Int32(ids.count)
        ids.append(id)
        put(id, i)
        return i
    }

    /// Forgets the id at `index`, leaving the row unnamed (empty) until `reassign`.
    public mutating func forget(_ index: Int32) {
        remove(ids[Int(index)], index)
        ids[Int(index)] = ""
    }

    /// Gives `index` to `newId`, forgetting the id it had (row reuse after an eviction).
    public mutating func reassign(_ index: Int32, to newId: String) {
        remove(ids[Int(index)], index)
        ids[Int(index)] = newId
        put(newId, index)
    }

    /// External id at `index`.
    public func id(at index: Int32) -> String { ids[Int(index)] }

    /// 32-bit hash of the UTF-8 bytes of `id` (stored in the upper half of a slot).
    @inlinable
    static func hash(_ id: String) -> UInt64 {
        var id = id
        return id.withUTF8 { bytes in hash(UnsafeRawBufferPointer(bytes)) }
    }

    @inlinable @inline(__always)
    static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let product = a.multipliedFullWidth(by: b)
        return product.high ^ product.low
    }

    /// Multiply-mix over 8-byte words (the last one zero-padded), seeded; folded to 32 bits.
    @inlinable
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let k0: UInt64 = 0xA076_1D64_78BD_642F, k1: UInt64 = 0xE703_7ED1_A0B4_28DB
        var h = seed ^ (UInt64(bytes.count) &* k0)
        var i = 0
        while i + 8 <= bytes.count {
            h = mix(h ^ bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self), k1)
            i += 8
        }
        if i < bytes.count {
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while i < bytes.count {
                tail |= UInt64(bytes[i]) << shift
                shift += 8
                i += 1
            }
            h = mix(h ^ tail, k1)
        }
        h = mix(h ^ k0, h ^ k1)
        return (h ^ (h >> 32)) & 0xFFFF_FFFF
    }

    /// Sets `id` → `index` (replacing the index of an id already present); grows at half full.
    private mutating func put(_ id: String, _ index: Int32) {
        if (live + 1) * 2 > slots.count { grow() }
        let h = Self.hash(id)
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: h) & mask
        while slots[i] != Self.empty {
            if slots[i] >> 32 == h && ids[Int(Int32(truncatingIfNeeded: slots[i]))] == id {
                slots[i] = h << 32 | UInt64(UInt32(bitPattern: index))
                return
            }
            i = (i + 1) & mask
        }
        slots[i] = h << 32 | UInt64(UInt32(bitPattern: index))
        live += 1
    }

    /// Removes the entry of `id` if it points at `index`, shifting later entries of its probe
    /// run back so that no lookup stops early.
    private mutating func remove(_ id: String, _ index: Int32) {
        guard !id.isEmpty else { return }
        let target = Self.hash(id) << 32 | UInt64(UInt32(bitPattern: index))
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: target >> 32) & mask
        while slots[i] != target {
            if slots[i] == Self.empty { return }
            i = (i + 1) & mask
        }
        // Backward-shift deletion: move up each later entry whose home is at or before the hole.
        var hole = i
        var j = (i + 1) & mask
        while slots[j] != Self.empty {
            let home = Int(truncatingIfNeeded: slots[j] >> 32) & mask
            // Distance from home to j, and from home to the hole, along the probe direction.
            if (j - home) & mask >= (j - hole) & mask {
                slots[hole] = slots[j]
                hole = j
            }
            j = (j + 1) & mask
        }
        slots[hole] = Self.empty
        live -= 1
    }

    /// Makes room for `count` ids before the table grows again.
    public mutating func reserve(_ count: Int) {
        ids.reserveCapacity(count)
        var capacity = slots.count
        while capacity < count * 2 { capacity <<= 1 }
        if capacity > slots.count { grow(to: capacity) }
    }

    private mutating func grow(to capacity: Int? = nil) {
        let old = slots
        slots = Array(repeating: Self.empty, count: capacity ?? old.count * 2)
        let mask = slots.count - 1
        for entry in old where entry != Self.empty {
            var i = Int(truncatingIfNeeded: entry >> 32) & mask
            while slots[i] != Self.empty { i = (i + 1) & mask }
            slots[i] = entry
        }
    }
}
