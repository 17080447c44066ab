import Foundation

/// A dependency-free SVG line chart of metric values per epoch or per time window.
public enum SVGPlot {
    /// One polyline: a label and its y values at x = 1, 2, … (or at `xs`).
    public struct Line: Sendable, Equatable {
        /// Legend text.
        public var label: String
        /// Values in x order (non-finite values are skipped).
        public var values: [Double]
        /// The x of each value (nil: 1, 2, …). When every line has them, the x axis spans them.
        public var xs: [Double]?

        /// Creates a line.
        public init(label: String, values: [Double], xs: [Double]? = nil) {
            self.label = label
            self.values = values
            self.xs = xs
        }
    }

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]

    /// Renders the lines on shared axes (y from the data's min to max, with 5% margin).
    public static func render(_ lines: [Line], title: String, xLabel: String, yLabel: String,
                              width: Int = 720, height: Int = 420) -> String {
        let left = 70.0, right = 180.0, top = 40.0, bottom = 50.0
        let w = Double(width) - left - right, h = Double(height) - top - bottom
        let ys = lines.flatMap { $0.values.filter(\.isFinite) }
        let n = max(1, lines.map(\.values.count).max() ?? 1)
        var lo = ys.min() ?? 0, hi = ys.max() ?? 1
        if hi - lo < 1e-12 { lo -= 0.5; hi += 0.5 }
        let pad = (hi - lo) * 0.05
        lo -= pad; hi += pad
        func x(_ i: Int) -> Double { left + (n == 1 ? w / 2 : w * Double(i) / Double(n - 1)) }
        // Given x values (every line has one per value): the axis spans them.
        let given = lines.allSatisfy { $0.xs?.count == $0.values.count }
        let allX = given ? lines.flatMap { $0.xs!.filter(\.isFinite) } : []
        let xlo = allX.min() ?? 0, xhi = max(allX.max() ?? 1, xlo + 1e-9)
        func px(_ v: Double) -> Double { left + w * (v - xlo) / (xhi - xlo) }
        func y(_ v: Double) -> Double { top + h * (1 - (v - lo) / (hi - lo)) }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        func esc(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" font-family=\"sans-serif\" font-size=\"12\">\n"
        svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        svg += "<text x=\"\(f(left + w / 2))\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">\(esc(title))</text>\n"
        svg += "<line x1=\"\(f(left))\" y1=\"\(f(top + h))\" x2=\"\(f(left + w))\" y2=\"\(f(top + h))\" stroke=\"black\"/>\n"
        svg += "<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(top + h))\" stroke=\"black\"/>\n"
        for t in 0...4 {
            let v = lo + (hi - lo) * Double(t) / 4
            svg += "<line x1=\"\(f(left - 4))\" y1=\"\(f(y(v)))\" x2=\"\(f(left + w))\" y2=\"\(f(y(v)))\" stroke=\"#ddd\"/>"
            svg += "<text x=\"\(f(left - 8))\" y=\"\(f(y(v) + 4))\" text-anchor=\"end\">\(String(format: "%.4g", v))</text>\n"
        }
        if given {
            for t in 0...5 {
                let v = xlo + (xhi - xlo) * Double(t) / 5
                svg += "<text x=\"\(f(px(v)))\" y=\"\(f(top + h + 18))\" text-anchor=\"middle\">\(String(format: "%.4g", v))</text>\n"
            }
        } else {
            let ticks = min(n, 10)
            for t in 0..<ticks {
                let i = ticks == 1 ? 0 : Int((Double(t) * Double(n - 1) / Double(ticks - 1)).rounded())
                svg += "<text x=\"\(f(x(i)))\" y=\"\(f(top + h + 18))\" text-anchor=\"middle\">\(i + 1)</text>\n"
            }
        }
        svg += "<text x=\"\(f(left + w / 2))\" y=\"\(f(Double(height) - 10))\" text-anchor=\"middle\">\(esc(xLabel))</text>\n"
        svg += "<text transform=\"translate(16,\(f(top + h / 2))) rotate(-90)\" text-anchor=\"middle\">\(esc(yLabel))</text>\n"
        for (k, line) in lines.enumerated() {
            let color = palette[k % palette.count]
            let points = line.values.enumerated()
                .filter { $0.element.isFinite && (!given || line.xs![$0.offset].isFinite) }
                .map { "\(f(given ? px(line.xs![$0.offset]) : x($0.offset))),\(f(y($0.element)))" }
            svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(points.joined(separator: " "))\"/>\n"
            let ly = top + 10 + Double(k) * 18
            svg += "<line x1=\"\(f(left + w + 12))\" y1=\"\(f(ly))\" x2=\"\(f(left + w + 32))\" y2=\"\(f(ly))\" stroke=\"\(color)\" stroke-width=\"2\"/>"
            svg += "<text x=\"\(f(left + w + 36))\" y=\"\(f(ly + 4))\">\(esc(line.label))</text>\n"
        }
        return svg + "</svg>\n"
    }
}
