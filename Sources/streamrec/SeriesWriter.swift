import Foundation

/// A CSV file of numeric rows under a header, written a row at a time (each row reaches the file
/// before `append` returns, so an interrupted run keeps what it measured).
final class SeriesWriter {
    private let handle: FileHandle
    private let columns: Int

    /// Creates (or truncates) `path` and writes the header.
    init(path: String, columns: [String]) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data((columns.joined(separator: ",") + "\n").utf8)) else {
            throw CommandFailure("cannot create the series file \(path)")
        }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        handle.seekToEndOfFile()
        self.columns = columns.count
    }

    deinit { try? handle.close() }

    /// Writes one row (as many values as columns).
    func append(_ values: [Double]) throws {
        precondition(values.count == columns, "a series row has \(columns) values")
        let line = values.map { $0 == $0.rounded() && abs($0) < 1e15 ? String(Int64($0)) : String(format: "%.6g", $0) }
        try handle.write(contentsOf: Data((line.joined(separator: ",") + "\n").utf8))
    }
}
