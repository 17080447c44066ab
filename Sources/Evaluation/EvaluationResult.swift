import Foundation

/// The figures of one model on one dataset under one protocol.
public struct EvaluationResult: Sendable, Equatable {
    /// Dataset file name (e.g. `u.data`).
    public var dataset: String
    /// Protocol name (`kfold`, `loo`, `lto`, `prequential`).
    public var evaluationProtocol: String
    /// Model name.
    public var model: String
    /// Metric name (lower case, `@K` suffixed) → value.
    public var metrics: [String: Double]
    /// Wall time of fitting and evaluating, in seconds.
    public var seconds: Double
    /// Seed used for splits, sampling and initialisation.
    public var seed: UInt64
    /// Metric name → values over epochs or time windows (for plots); may be empty.
    public var series: [String: [Double]]

    /// Creates a result.
    public init(dataset: String, protocol evaluationProtocol: String, model: String, metrics: [String: Double],
                seconds: Double, seed: UInt64 = 42, series: [String: [Double]] = [:]) {
        self.dataset = dataset
        self.evaluationProtocol = evaluationProtocol
        self.model = model
        self.metrics = metrics
        self.seconds = seconds
        self.seed = seed
        self.series = series
    }

    /// Metric names in display order: rmse, mae, then hr, ndcg, precision, recall, mrr by K, coverage, others.
    public var orderedMetricNames: [String] { Self.order(Array(metrics.keys)) }

    /// Sorts metric names into display order.
    public static func order(_ names: [String]) -> [String] {
        let families = ["rmse", "mae", "hr", "ndcg", "precision", "recall", "mrr", "coverage"]
        func key(_ n: String) -> (Int, Int, String) {
            let parts = n.split(separator: "@")
            let family = families.firstIndex(of: String(parts[0])) ?? families.count
            let k = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
            return (family, k, n)
        }
        return names.sorted { key($0) < key($1) }
    }

    /// One-line JSON:
    /// `{"dataset":"u.data","protocol":"loo","model":"bmf","metrics":{"rmse":0.91,"hr@10":0.17},"seconds":3.2}`.
    public var json: String {
        let m = orderedMetricNames.map { "\(Self.quote($0)):\(Self.number($0 == "" ? 0 : metrics[$0]!, digits: 4))" }
        return "{\"dataset\":\(Self.quote(dataset)),\"protocol\":\(Self.quote(evaluationProtocol)),\"model\":\(Self.quote(model))," +
            "\"metrics\":{\(m.joined(separator: ","))},\"seconds\":\(Self.number(seconds, digits: 2))}"
    }

    /// A number rounded to `digits` decimals with trailing zeros removed (`0.9100` → `0.91`).
    static func number(_ v: Double, digits: Int) -> String {
        guard v.isFinite else { return "null" }
        var s = String(format: "%.\(digits)f", v)
        if s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        if s == "-0" { s = "0" }
        return s
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if c.value < 0x20 { out += String(format: "\\u%04x", c.value) } else { out.unicodeScalars.append(c) }
            }
        }
        return out + "\""
    }
}
