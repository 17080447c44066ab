import Foundation

/// Per-user interaction sequences read from a file, item ids renumbered densely from 0.
public struct SessionDataset: Sendable {
    /// One sequence per user, oldest first.
    public var sequences: [[SessionStep]]
    /// Number of distinct items (ids `0..<itemCount`).
    public var itemCount: Int
    /// Original item id of each dense id.
    public var originalItemIds: [Int]

    /// Creates a data set from sequences already numbered densely.
    public init(sequences: [[SessionStep]], itemCount: Int, originalItemIds: [Int] = []) {
        self.sequences = sequences
        self.itemCount = itemCount
        self.originalItemIds = originalItemIds
    }

    /// Reads either format, chosen by content: tab-separated `user item rating timestamp` lines
    /// (MovieLens `u.data`, sorted by time per user) or `user item1 item2 ...` lines in time order
    /// (the S3-Rec files).
    public static func load(path: String) throws -> SessionDataset {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SessionModelError(.io, "cannot read \(path)")
        }
        let text = String(decoding: data, as: UTF8.self)
        let lines = text.split(whereSeparator: \.isNewline)
        guard let first = lines.first else { throw SessionModelError(.invalidInput, "\(path) is empty") }
        return first.contains("\t") ? try movieLens(lines, path: path) : try sequenceLines(lines, path: path)
    }

    private static func sequenceLines(_ lines: [Substring], path: String) throws -> SessionDataset {
        var ids: [Int: Int32] = [:]
        var original: [Int] = []
        var sequences: [[SessionStep]] = []
        for (n, line) in lines.enumerated() {
            let fields = line.split(separator: " ")
            guard fields.count >= 2 else { continue }
            var seq: [SessionStep] = []
            seq.reserveCapacity(fields.count - 1)
            for f in fields.dropFirst() {
                guard let raw = Int(f) else {
                    throw SessionModelError(.invalidInput, "\(path):\(n + 1): '\(f)' is not an item id")
                }
                let id = ids[raw] ?? {
                    let fresh = Int32(original.count)
                    ids[raw] = fresh
                    original.append(raw)
                    return fresh
                }()
                seq.append(SessionStep(item: id))
            }
            sequences.append(seq)
        }
        return SessionDataset(sequences: sequences, itemCount: original.count, originalItemIds: original)
    }

    private static func movieLens(_ lines: [Substring], path: String) throws -> SessionDataset {
        var ids: [Int: Int32] = [:]
        var original: [Int] = []
        var byUser: [Int: [(ts: Int64, order: Int, item: Int32)]] = [:]
        for (n, line) in lines.enumerated() {
            let f = line.split(separator: "\t")
            guard f.count >= 4, let user = Int(f[0]), let raw = Int(f[1]), let ts = Int64(f[3]) else {
                throw SessionModelError(.invalidInput, "\(path):\(n + 1): expected user, item, rating, timestamp")
            }
            let id = ids[raw] ?? {
                let fresh = Int32(original.count)
                ids[raw] = fresh
                original.append(raw)
                return fresh
            }()
            byUser[user, default: []].append((ts, n, id))
        }
        let sequences = byUser.keys.sorted().map { user in
            byUser[user]!.sorted { ($0.ts, $0.order) < ($1.ts, $1.order) }
                .map { SessionStep(item: $0.item, type: 0, timestampMs: $0.ts * 1000) }
        }
        return SessionDataset(sequences: sequences, itemCount: original.count, originalItemIds: original)
    }

    /// Leave-one-out split: training on all but the last two steps, validation target the
    /// second-last, test target the last. Users with fewer than 3 steps are left out.
    public func leaveOneOutSplit() -> (training: [[SessionStep]], validation: [[SessionStep]], test: [[SessionStep]]) {
        var training: [[SessionStep]] = [], validation: [[SessionStep]] = [], test: [[SessionStep]] = []
        for s in sequences where s.count >= 3 {
            training.append(Array(s.dropLast(2)))
            validation.append(Array(s.dropLast()))
            test.append(s)
        }
        return (training, validation, test)
    }
}
