import Foundation

/// Renders evaluation results as an aligned text table, CSV or JSON lines.
public enum ResultRenderer {
    /// Union of the results' metric names in display order.
    static func metricColumns(_ results: [EvaluationResult]) -> [String] {
        EvaluationResult.order(Array(Set(results.flatMap { $0.metrics.keys })))
    }

    /// A fixed-width table: dataset, protocol, model, seed, one column per metric, seconds.
    public static func table(_ results: [EvaluationResult]) -> String {
        let metrics = metricColumns(results)
        let header = ["dataset", "protocol", "model", "seed"] + metrics + ["seconds"]
        let rows = results.map { r in
            [r.dataset, r.evaluationProtocol, r.model, String(r.seed)]
                + metrics.map { r.metrics[$0].map { String(format: "%.4f", $0) } ?? "-" }
                + [String(format: "%.2f", r.seconds)]
        }
        let widths = header.indices.map { c in ([header[c]] + rows.map { $0[c] }).map(\.count).max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { c, s in
                c < 3 ? s.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                      : String(repeating: " ", count: widths[c] - s.count) + s
            }.joined(separator: "  ")
        }
        let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
        return ([line(header), rule] + rows.map(line)).joined(separator: "\n") + "\n"
    }

    /// CSV with a header; empty cells for metrics a result lacks.
    public static func csv(_ results: [EvaluationResult]) -> String {
        let metrics = metricColumns(results)
        func field(_ s: String) -> String {
            s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        var out = (["dataset", "protocol", "model", "seed"] + metrics + ["seconds"]).joined(separator: ",") + "\n"
        for r in results {
            let cells = [field(r.dataset), field(r.evaluationProtocol), field(r.model), String(r.seed)]
                + metrics.map { r.metrics[$0].map { EvaluationResult.number($0, digits: 6) } ?? "" }
                + [EvaluationResult.number(r.seconds, digits: 3)]
            out += cells.joined(separator: ",") + "\n"
        }
        return out
    }

    /// One ``EvaluationResult/json`` line per result.
    public static func jsonLines(_ results: [EvaluationResult]) -> String {
        results.map(\.json).joined(separator: "\n") + "\n"
    }

    /// An SVG line plot of `series` (e.g. `"rmse"` per window) for every result that has it.
    public static func svg(_ results: [EvaluationResult], series name: String, xLabel: String = "window") -> String {
        let lines = results.compactMap { r -> SVGPlot.Line? in
            guard let v = r.series[name], !v.isEmpty else { return nil }
            return SVGPlot.Line(label: "\(r.model) (\(r.dataset))", values: v)
        }
        return SVGPlot.render(lines, title: "\(name) per \(xLabel)", xLabel: xLabel, yLabel: name)
    }
}
