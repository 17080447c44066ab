import Engine
import Models

/// Rebuilds one partition's state from its changelog records, read in order: the state as of
/// a chosen complete round, following the chain of markers back through `previous`.
///
/// A user record counts when it lies between two consecutive markers of the chain and was
/// written by the writer of the later one (or, before the oldest marker of the chain that has no
/// predecessor on the topic, by any writer). Everything else — records after the chosen marker
/// (a round cut short by a crash), records of a member that lost the partition, rounds that were
/// never committed — is left out; those users' ids are reported as `orphans`, so the new owner
/// can write them again and make the newest record of each key a counted one (compaction keeps
/// only that newest record).
struct ChangelogReplay {
    /// Which complete round to restore.
    enum Target: Equatable {
        /// The marker with this id (the id the group's committed offset carries).
        case marker(String)
        /// The newest marker whose state reflects the input up to this offset.
        case inputOffset(Int64)
    }

    private struct Entry {
        let key: [UInt8]
        let value: [UInt8]
        let writer: String
        let isRemoval: Bool
    }

    private var entries: [Entry] = []
    private var markers: [(position: Int, marker: ChangelogMarker)] = []
    private var markerIndex: [String: Int] = [:]
    /// Records that could not be decoded (skipped; counted).
    private(set) var unreadable = 0

    /// Adds the next record of the partition, in offset order (tombstones, `value` nil, are
    /// read as removals by an unknown writer).
    mutating func add(key: [UInt8]?, value: [UInt8]?) {
        guard let key else { unreadable += 1; return }
        guard let value, let kind = value.first else {
            entries.append(Entry(key: key, value: [], writer: "", isRemoval: true))
            return
        }
        if kind == 3 {
            guard case .marker(let marker, _)? = try? ChangelogRecord(key: key, value: value) else { unreadable += 1; return }
            markerIndex[marker.id] = markers.count
            markers.append((entries.count, marker))
            return
        }
        var r = ByteReader(value, context: "changelog record")
        _ = try? r.read(UInt8.self)
        guard let writer = try? r.readString(), kind == 1 || kind == 2 else { unreadable += 1; return }
        entries.append(Entry(key: key, value: value, writer: writer, isRemoval: kind == 2))
    }

    /// Markers read, oldest first.
    var allMarkers: [ChangelogMarker] { markers.map(\.marker) }

    /// The restored state: the chosen marker (nil: none matches, the state is empty), the users
    /// it holds, and the ids written outside the chain.
    func resolve(_ target: Target) throws -> (marker: ChangelogMarker?, users: [PartitionUserState], orphans: [String]) {
        let chosen: Int?
        switch target {
        case .marker(let id): chosen = markerIndex[id]
        case .inputOffset(let offset): chosen = markers.lastIndex { $0.marker.inputOffset == offset }
        }
        guard let chosen else {
            return (nil, [], Array(Set(entries.compactMap { $0.isRemoval && $0.writer.isEmpty ? nil : String(decoding: $0.key, as: UTF8.self) })))
        }
        // The chain, newest first, then oldest first.
        var chain = [chosen]
        while let previous = markers[chain.last!].marker.previous, let index = markerIndex[previous], index < chain.last! {
            chain.append(index)
        }
        chain.reverse()
        var counted = [Bool](repeating: false, count: entries.count)
        var lower = 0
        for (n, index) in chain.enumerated() {
            let (upper, marker) = markers[index]
            let anyWriter = n == 0 && (marker.previous == nil ? false : markerIndex[marker.previous!] == nil)
            let writer = marker.writer
            for e in lower..<upper where anyWriter || entries[e].writer == writer || (entries[e].writer.isEmpty && entries[e].isRemoval) {
                counted[e] = true
            }
            lower = upper
        }
        var state: [String: Int] = [:]
        state.reserveCapacity(entries.count)
        var orphanSet = Set<String>()
        for (e, entry) in entries.enumerated() {
            let id = String(decoding: entry.key, as: UTF8.self)
            if counted[e] {
                if entry.isRemoval { state[id] = nil } else { state[id] = e }
            } else {
                orphanSet.insert(id)
            }
        }
        var users: [PartitionUserState] = []
        users.reserveCapacity(state.count)
        for (_, e) in state.sorted(by: { $0.value < $1.value }) {
            guard case .user(let user, _) = try ChangelogRecord(key: entries[e].key, value: entries[e].value) else { continue }
            users.append(user)
        }
        return (markers[chosen].marker, users, orphanSet.sorted())
    }
}
