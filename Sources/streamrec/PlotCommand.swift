import ArgumentParser
import Evaluation
import Foundation

/// `streamrec plot`: one column of several series files (`demo --series`) drawn on shared axes
/// as an SVG line chart, one line per file.
struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Draw one column of series files (streamrec demo --series) as an SVG line chart.",
        discussion: """
        Each --series LABEL=FILE is one line of the chart: the values of --column in FILE, one \
        point per row (x = row number: the second of a demo run; --x COLUMN takes x from a \
        column instead, e.g. --x events to compare runs that went at different rates over the \
        stream). For example, the online HR@10 of a run with the session model against one \
        without: streamrec plot --series "session on=on.csv" --series "MF alone=off.csv" \
        --column online_hr@10 --x events --out hr.svg
        """
    )

    @Option(help: "A line of the chart: LABEL=FILE (repeatable).")
    var series: [String] = []
    @Option(help: "The column to draw.")
    var column = "online_hr@10"
    @Option(help: "The SVG file to write.")
    var out: String
    @Option(help: "Title of the chart (default: the column).")
    var title: String?
    @Option(help: "The column of x values (default: the row number, the second of a demo run).")
    var x: String?

    func validate() throws {
        guard !series.isEmpty else { throw ValidationError("give at least one --series LABEL=FILE") }
        for s in series where !s.contains("=") || s.hasPrefix("=") || s.hasSuffix("=") {
            throw ValidationError("--series takes LABEL=FILE, got '\(s)'")
        }
    }

    func run() throws {
        let lines = try series.map { s -> SVGPlot.Line in
            let cut = s.firstIndex(of: "=")!
            let label = String(s[..<cut]), path = String(s[s.index(after: cut)...])
            let file = try SeriesFile(path: path)
            return SVGPlot.Line(label: label, values: try file.values(of: column, in: path),
                                xs: try x.map { try file.values(of: $0, in: path) })
        }
        let svg = SVGPlot.render(lines, title: title ?? column, xLabel: x ?? "second of the run", yLabel: column)
        guard FileManager.default.createFile(atPath: out, contents: Data(svg.utf8)) else {
            throw CommandFailure("cannot write \(out)")
        }
        for line in lines {
            let last = line.values.last.map { String(format: "%.4f", $0) } ?? "none"
            print("\(line.label): \(line.values.count) points, last \(last)")
        }
    }
}
