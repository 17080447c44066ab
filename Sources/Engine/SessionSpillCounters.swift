import Models

/// How many session states left memory, by cause, and how many windows came back.
public struct SessionSpillCounters: Sendable, Equatable {
    /// Why a state was spilled.
    public enum Cause: Sendable {
        /// `session.max_users` was reached (least recently active twentieth).
        case capacity
        /// Idle for longer than `session.idle_ttl_s` (event time).
        case idle
        /// The engine evicted the user (`engine.max_users`).
        case userEvicted
    }

    /// States spilled because the table was full.
    public internal(set) var capacity: Int64 = 0
    /// States spilled by the TTL sweep.
    public internal(set) var idle: Int64 = 0
    /// States spilled with an engine user eviction.
    public internal(set) var userEvicted: Int64 = 0
    /// Spilled windows restored (the user came back).
    public internal(set) var restored: Int64 = 0

    /// States spilled for any cause.
    public var spilled: Int64 { capacity + idle + userEvicted }

    mutating func count(_ cause: Cause) {
        switch cause {
        case .capacity: capacity += 1
        case .idle: idle += 1
        case .userEvicted: userEvicted += 1
        }
    }

    init() {}

    /// Reads what `write(into:)` wrote.
    init(from r: inout ByteReader) throws {
        capacity = try r.read(Int64.self)
        idle = try r.read(Int64.self)
        userEvicted = try r.read(Int64.self)
        restored = try r.read(Int64.self)
    }

    /// Writes the four counters.
    func write(into w: inout ByteWriter) {
        w.append(capacity)
        w.append(idle)
        w.append(userEvicted)
        w.append(restored)
    }
}
