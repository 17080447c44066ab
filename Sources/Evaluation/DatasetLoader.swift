import Foundation

/// Reads interaction files into ``Interactions`` (MovieLens u.data / ratings.dat / CSV, and the
/// one-line-per-user sequence files). Small and strict: a malformed line is an error naming it.
public enum DatasetLoader {
    /// Loads `path` in `format` (``DatasetFormat/auto`` picks by file name).
    public static func load(path: String, format: DatasetFormat = .auto) throws -> Interactions {
        guard FileManager.default.fileExists(atPath: path) else {
            throw EvaluationError(.fileNotFound, "no dataset at \(path)")
        }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw EvaluationError(.fileNotFound, "cannot read \(path): \(error)")
        }
        let text = String(decoding: data, as: UTF8.self)
        return try parse(text, format: format.resolved(for: path))
    }

    /// Parses file contents already in memory.
    public static func parse(_ text: String, format: DatasetFormat) throws -> Interactions {
        var users: [String] = [], items: [String] = [], values: [Float] = [], times: [Int64] = []
        var lineNumber = 0
        switch format {
        case .udata, .movielensDat, .auto:
            let sep: String = format == .movielensDat ? "::" : "\t"
            for line in text.split(whereSeparator: \.isNewline) {
                lineNumber += 1
                let f = format == .movielensDat ? line.components(separatedBy: sep) : line.split(separator: "\t").map(String.init)
                guard f.count >= 3, let v = Float(f[2].trimmingCharacters(in: .whitespaces)) else {
                    throw EvaluationError(.parse, "line \(lineNumber): expected user\(sep)item\(sep)rating\(sep)timestamp")
                }
                users.append(f[0]); items.append(f[1]); values.append(v)
                times.append(f.count >= 4 ? Int64(f[3].trimmingCharacters(in: .whitespaces)) ?? Int64(lineNumber) : Int64(lineNumber))
            }
        case .csv:
            var lines = text.split(whereSeparator: \.isNewline).makeIterator()
            guard let header = lines.next() else { throw EvaluationError(.emptyData, "empty CSV") }
            let names = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            func column(_ candidates: [String]) -> Int? { names.firstIndex { candidates.contains($0) } }
            guard let uc = column(["user", "userid", "user_id"]), let ic = column(["item", "itemid", "item_id", "movieid", "movie_id"]) else {
                throw EvaluationError(.parse, "CSV header needs user and item columns, got \(names)")
            }
            let rc = column(["rating", "value", "score"]), tc = column(["timestamp", "time", "ts"])
            lineNumber = 1
            while let line = lines.next() {
                lineNumber += 1
                let f = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
                guard f.count > max(uc, ic) else { throw EvaluationError(.parse, "line \(lineNumber): too few fields") }
                users.append(f[uc]); items.append(f[ic])
                if let rc {
                    guard rc < f.count, let v = Float(f[rc]) else { throw EvaluationError(.parse, "line \(lineNumber): bad rating") }
                    values.append(v)
                } else { values.append(1) }
                times.append(tc.flatMap { $0 < f.count ? Int64(f[$0]) : nil } ?? Int64(lineNumber))
            }
        case .sequence:
            for line in text.split(whereSeparator: \.isNewline) {
                lineNumber += 1
                let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                guard f.count >= 2 else { throw EvaluationError(.parse, "line \(lineNumber): expected user item…") }
                for (pos, it) in f.dropFirst().enumerated() {
                    users.append(String(f[0])); items.append(String(it)); values.append(1); times.append(Int64(pos))
                }
            }
        }
        guard !users.isEmpty else { throw EvaluationError(.emptyData, "no interactions") }
        return try Interactions(userIds: users, itemIds: items, value: values, timestamp: times)
    }
}
