import Foundation

/// A CSV file of numeric columns under a header line (what `demo --series` writes), read whole.
struct SeriesFile {
    /// Column names, in file order.
    let columns: [String]
    /// Rows of values, one per data line.
    let rows: [[Double]]

    /// Reads `path`; throws a sentence naming the file, and the line and column where a value is
    /// not a number or a row has the wrong length.
    init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure("cannot read the series file \(path)")
        }
        let lines = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).map(String.init)
        guard let header = lines.first, !header.isEmpty else { throw CommandFailure("\(path) is empty: expected a header line") }
        let names = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        var rows: [[Double]] = []
        for (n, line) in lines.dropFirst().enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            guard cells.count == names.count else {
                throw CommandFailure("\(path) line \(n + 2): \(cells.count) values for \(names.count) columns")
            }
            rows.append(try cells.enumerated().map { k, cell in
                guard let v = Double(cell.trimmingCharacters(in: .whitespaces)) else {
                    throw CommandFailure("\(path) line \(n + 2), column \(names[k]): '\(cell)' is not a number")
                }
                return v
            })
        }
        columns = names
        self.rows = rows
    }

    /// The values of column `name`, in row order; throws naming the columns there are.
    func values(of name: String, in path: String) throws -> [Double] {
        guard let k = columns.firstIndex(of: name) else {
            throw CommandFailure("\(path) has no column \(name) (it has \(columns.joined(separator: ", ")))")
        }
        return rows.map { $0[k] }
    }
}
