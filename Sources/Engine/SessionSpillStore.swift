import Models

/// Session windows moved out of memory (evicted users), packed into one byte arena and keyed by
/// the user's external id (rows are reused, ids are not).
///
/// A record is a status byte (1 live, 0 dead), the body length, then the body: the id, the newest
/// event time, the step count, and per step, newest first, the session item index and the time
/// before the previous (newer) timed step or, for the first, the newest event (all LEB128 varints,
/// times zigzag-coded; 0 marks a step without a time). No vector is
/// kept: it is recomputed from the window when the user comes back. Removing a record marks it
/// dead; the arena is compacted when dead bytes exceed half the live ones, and grows by a quarter
/// at a time, so it holds at most about 1.6 times the live bytes. Holds at most `capacity`
/// windows: beyond it the oldest spilled window is forgotten. Not thread-safe.
struct SessionSpillStore {
    /// A window taken back out of the store.
    struct Window {
        /// Session item index of each step, oldest first.
        var items: [Int32] = []
        /// Event time of each step (nil: unknown), oldest first.
        var timestamps: [Int64?] = []
        /// Newest event time recorded for the user.
        var lastEventMs: Int64 = .min
    }

    /// Most windows held (0: spilling is off, `put` forgets).
    let capacity: Int
    private(set) var arena: [UInt8] = []
    /// Offset of each live record's status byte.
    private var offsets: [String: Int] = [:]
    /// Bytes of live and of dead records in the arena.
    private(set) var liveBytes = 0
    private(set) var deadBytes = 0
    /// Out-of-line bytes of the ids held as dictionary keys (ids over 15 UTF-8 bytes).
    private var keyHeapBytes = 0
    /// Start of the oldest record that may still be live.
    private var oldest = 0
    /// Starts of the most recently written records (at least the last `recentKept`, at most
    /// twice as many; dead ones included), so the newest windows are found without a pass over
    /// the arena.
    private var recentStarts: [Int] = []
    /// Records `forEachRecent` can reach.
    static let recentKept = 1 << 17
    /// Windows forgotten to respect `capacity`.
    private(set) var forgotten: Int64 = 0

    /// Creates an empty store holding at most `capacity` windows.
    init(capacity: Int) { self.capacity = max(0, capacity) }

    /// Windows held.
    var count: Int { offsets.count }

    /// Whether a window is held for `id`.
    func contains(_ id: String) -> Bool { offsets[id] != nil }

    /// Bytes held: the arena, plus per window a dictionary slot (id, offset, at 3/4 load) and the
    /// id's out-of-line storage.
    var estimatedBytes: Int { arena.capacity + offsets.capacity * 32 + keyHeapBytes + recentStarts.capacity * 8 }

    // MARK: - Put and take

    /// Stores `window` for `id`, replacing any window held for it.
    mutating func put(id: String, window: SessionWindow, lastEventMs: Int64) {
        guard capacity > 0, !window.isEmpty else { return }
        remove(id)
        let start = arena.count
        var body: [UInt8] = []
        body.reserveCapacity(16 + id.utf8.count + window.count * 6)
        Varint.append(UInt64(id.utf8.count), to: &body)
        body.append(contentsOf: id.utf8)
        Varint.append(Varint.zigzag(lastEventMs), to: &body)
        Varint.append(UInt64(window.count), to: &body)
        var reference = lastEventMs
        for k in stride(from: window.count - 1, through: 0, by: -1) {
            let step = window[k]
            Varint.append(UInt64(UInt32(bitPattern: step.item)), to: &body)
            if let t = step.timestampMs {
                Varint.append(Varint.zigzag(reference &- t) &+ 1, to: &body)
                reference = t
            } else {
                body.append(0)
            }
        }
        let needed = arena.count + body.count + 11
        if needed > arena.capacity {
            // Grow by a quarter rather than doubling: the arena is most of the store's memory.
            arena.reserveCapacity(max(needed, arena.count + arena.count / 4, 4_096))
        }
        arena.append(1)
        Varint.append(UInt64(body.count), to: &arena)
        arena.append(contentsOf: body)
        offsets[id] = start
        noteRecent(start)
        liveBytes += arena.count - start
        if id.utf8.count > 15 { keyHeapBytes += id.utf8.count }
        while offsets.count > capacity, forgetOldest() {}
    }

    /// Removes and returns the window held for `id`.
    mutating func take(_ id: String) -> Window? {
        guard let offset = offsets[id] else { return nil }
        let window = try? decode(at: offset).window
        remove(id)
        return window
    }

    /// The window held for `id`, left in place.
    func peek(_ id: String) -> Window? {
        guard let offset = offsets[id] else { return nil }
        return try? decode(at: offset).window
    }

    /// Calls `body` with the held windows and their users' ids, the most recently spilled first, until it returns
    /// false; it reaches the last `recentKept` windows written at least, not the whole store.
    func forEachRecent(_ body: (_ id: String, _ window: Window) -> Bool) {
        for offset in recentStarts.reversed() where arena[offset] == 1 {
            guard let record = try? decode(at: offset) else { continue }
            if !body(record.id, record.window) { return }
        }
    }

    /// Notes the start of a record just written (or kept by a compaction), newest last.
    private mutating func noteRecent(_ start: Int) {
        recentStarts.append(start)
        if recentStarts.count >= 2 * Self.recentKept { recentStarts.removeFirst(recentStarts.count - Self.recentKept) }
    }

    /// Forgets the window held for `id`, if any.
    mutating func remove(_ id: String) {
        guard let offset = offsets.removeValue(forKey: id) else { return }
        if id.utf8.count > 15 { keyHeapBytes -= id.utf8.count }
        let length = recordLength(at: offset)
        arena[offset] = 0
        liveBytes -= length
        deadBytes += length
        if deadBytes * 2 > liveBytes && arena.count >= 4_096 { compact() }
    }

    /// Forgets the oldest live window; false when none is left.
    private mutating func forgetOldest() -> Bool {
        while oldest < arena.count {
            let length = recordLength(at: oldest)
            if arena[oldest] == 1, let id = try? decode(at: oldest).id {
                forgotten += 1
                remove(id)
                return true
            }
            oldest += length
        }
        return false
    }

    /// Rewrites the arena with the live records only, in their order.
    private mutating func compact() {
        var packed: [UInt8] = []
        packed.reserveCapacity(liveBytes + liveBytes / 4)
        recentStarts.removeAll(keepingCapacity: true)
        var offset = 0
        while offset < arena.count {
            let length = recordLength(at: offset)
            if arena[offset] == 1, let id = try? decode(at: offset).id {
                offsets[id] = packed.count
                noteRecent(packed.count)
                packed.append(contentsOf: arena[offset..<(offset + length)])
            }
            offset += length
        }
        arena = packed
        liveBytes = packed.count
        deadBytes = 0
        oldest = 0
    }

    // MARK: - Records

    /// Length of the record at `offset` (status byte, length varint, body).
    private func recordLength(at offset: Int) -> Int {
        var cursor = offset + 1
        let body = (try? Varint.read(arena, at: &cursor)) ?? 0
        return cursor - offset + Int(body)
    }

    /// Decodes the record at `offset`; throws when it runs past the arena or is malformed.
    private func decode(at offset: Int) throws -> (id: String, window: Window) {
        var cursor = offset + 1
        let bodyLength = Int(try Varint.read(arena, at: &cursor))
        let end = cursor + bodyLength
        guard bodyLength >= 0, end <= arena.count else { throw Varint.Overrun() }
        let idLength = Int(try Varint.read(arena, at: &cursor, end: end))
        guard idLength >= 0, cursor + idLength <= end else { throw Varint.Overrun() }
        let id = String(decoding: arena[cursor..<(cursor + idLength)], as: UTF8.self)
        cursor += idLength
        var window = Window()
        window.lastEventMs = Varint.unzigzag(try Varint.read(arena, at: &cursor, end: end))
        let steps = Int(try Varint.read(arena, at: &cursor, end: end))
        guard steps >= 0, steps <= end - cursor else { throw Varint.Overrun() }
        window.items.reserveCapacity(steps)
        window.timestamps.reserveCapacity(steps)
        var reference = window.lastEventMs
        for _ in 0..<steps {
            let item = try Varint.read(arena, at: &cursor, end: end)
            guard item <= UInt64(Int32.max) else { throw Varint.Overrun() }
            window.items.append(Int32(item))
            let time = try Varint.read(arena, at: &cursor, end: end)
            if time == 0 {
                window.timestamps.append(nil)
            } else {
                reference = reference &- Varint.unzigzag(time &- 1)
                window.timestamps.append(reference)
            }
        }
        guard cursor == end else { throw Varint.Overrun() }
        window.items.reverse()
        window.timestamps.reverse()
        return (id, window)
    }

    // MARK: - Checkpoint

    /// Writes the live records (compacted) as one byte array, after their count and byte length.
    func write(into w: inout ByteWriter) {
        var packed: [UInt8] = []
        packed.reserveCapacity(liveBytes)
        var offset = 0
        while offset < arena.count {
            let length = recordLength(at: offset)
            if arena[offset] == 1 { packed.append(contentsOf: arena[offset..<(offset + length)]) }
            offset += length
        }
        w.append(UInt64(offsets.count))
        w.append(UInt64(packed.count))
        w.append(bytes: packed)
    }

    /// Replaces the content with records written by `write(into:)`, checking each one: every
    /// step's item must be below `itemCount`. Throws `SnapshotError(.malformed)` otherwise.
    mutating func read(from r: inout ByteReader, itemCount: Int) throws {
        let expected = Int(try r.read(UInt64.self))
        let length = try r.read(UInt64.self)
        guard length <= UInt64(Int.max) else { throw SnapshotError(.malformed, "spilled sessions: length \(length)") }
        let bytes = try r.readBytes(Int(length))
        self = SessionSpillStore(capacity: capacity)
        arena = bytes
        var offset = 0
        while offset < arena.count {
            guard arena[offset] == 1, let (id, window) = try? decode(at: offset),
                  window.items.allSatisfy({ $0 < itemCount }) else {
                throw SnapshotError(.malformed, "spilled session record at byte \(offset) is malformed")
            }
            let length = recordLength(at: offset)
            if let previous = offsets[id] { throw SnapshotError(.malformed, "spilled session of \(id) at bytes \(previous) and \(offset)") }
            offsets[id] = offset
            noteRecent(offset)
            if id.utf8.count > 15 { keyHeapBytes += id.utf8.count }
            offset += length
        }
        guard offsets.count == expected else {
            throw SnapshotError(.malformed, "spilled sessions: \(offsets.count) records, header says \(expected)")
        }
        liveBytes = arena.count
        while offsets.count > capacity, forgetOldest() {}
    }
}
