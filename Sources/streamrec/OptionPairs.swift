import ArgumentParser

/// Parses repeated `--set KEY=VALUE` hyper-parameter overrides.
func parseOptionPairs(_ pairs: [String]) throws -> [String: String] {
    var options: [String: String] = [:]
    for pair in pairs {
        let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty else {
            throw ValidationError("--set expects KEY=VALUE, got '\(pair)'")
        }
        options[parts[0]] = parts[1]
    }
    return options
}
