/// Parses the Prometheus text exposition format strictly enough to catch a malformed scrape:
/// every line is a `# HELP`/`# TYPE` comment or `name{label="value",...} number`.
struct MetricsTextParser {
    struct Sample: Hashable {
        let name: String
        let labels: [String: String]
        let value: Double
    }

    struct Failure: Error, CustomStringConvertible { let description: String }

    /// Samples in order; throws on the first malformed line.
    static func parse(_ text: String) throws -> [Sample] {
        var samples: [Sample] = []
        var types: [String: String] = [:]
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            let line = String(raw)
            if line.hasPrefix("#") {
                let parts = line.split(separator: " ", maxSplits: 3).map(String.init)
                guard parts.count >= 3, parts[1] == "HELP" || parts[1] == "TYPE" else {
                    throw Failure(description: "line \(number + 1): bad comment: \(line)")
                }
                if parts[1] == "TYPE" {
                    guard parts.count == 4, ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[3]) else {
                        throw Failure(description: "line \(number + 1): bad TYPE: \(line)")
                    }
                    types[parts[2]] = parts[3]
                }
                continue
            }
            samples.append(try sample(line, number: number + 1))
        }
        for sample in samples {
            let family = types[sample.name] != nil ? sample.name
                : ["_bucket", "_sum", "_count"].compactMap { suffix in
                    sample.name.hasSuffix(suffix) ? String(sample.name.dropLast(suffix.count)) : nil
                }.first { types[$0] != nil }
            guard family != nil else { throw Failure(description: "sample \(sample.name) has no TYPE line") }
        }
        return samples
    }

    private static func isNameCharacter(_ c: Character, first: Bool) -> Bool {
        c == "_" || c == ":" || (c.isASCII && c.isLetter) || (!first && c.isASCII && c.isNumber)
    }

    private static func sample(_ line: String, number: Int) throws -> Sample {
        var rest = Substring(line)
        guard let first = rest.first, isNameCharacter(first, first: true) else {
            throw Failure(description: "line \(number): bad metric name: \(line)")
        }
        let name = String(rest.prefix { isNameCharacter($0, first: false) })
        rest = rest.dropFirst(name.count)
        var labels: [String: String] = [:]
        if rest.first == "{" {
            rest = rest.dropFirst()
            while rest.first != "}" {
                let key = String(rest.prefix { isNameCharacter($0, first: false) })
                guard !key.isEmpty else { throw Failure(description: "line \(number): bad label name: \(line)") }
                rest = rest.dropFirst(key.count)
                guard rest.hasPrefix("=\"") else { throw Failure(description: "line \(number): expected =\": \(line)") }
                rest = rest.dropFirst(2)
                var value = ""
                while let c = rest.first, c != "\"" {
                    if c == "\\" {
                        rest = rest.dropFirst()
                        guard let escaped = rest.first else { break }
                        value.append(escaped == "n" ? "\n" : escaped)
                    } else {
                        value.append(c)
                    }
                    rest = rest.dropFirst()
                }
                guard rest.first == "\"" else { throw Failure(description: "line \(number): unterminated label value: \(line)") }
                rest = rest.dropFirst()
                labels[key] = value
                if rest.first == "," { rest = rest.dropFirst() }
            }
            rest = rest.dropFirst()
        }
        guard rest.first == " " else { throw Failure(description: "line \(number): expected a space before the value: \(line)") }
        let fields = rest.split(separator: " ")
        guard fields.count == 1 || fields.count == 2 else { throw Failure(description: "line \(number): bad value: \(line)") }
        let text = String(fields[0])
        let value: Double? = switch text {
        case "+Inf": .infinity
        case "-Inf": -.infinity
        case "NaN": .nan
        default: Double(text)
        }
        guard let value else { throw Failure(description: "line \(number): value '\(text)' is not a number") }
        return Sample(name: name, labels: labels, value: value)
    }
}

extension Array where Element == MetricsTextParser.Sample {
    /// Sum of the samples named `name` (over all label sets).
    func total(_ name: String) -> Double? {
        let matching = filter { $0.name == name }
        return matching.isEmpty ? nil : matching.reduce(0) { $0 + $1.value }
    }
}
