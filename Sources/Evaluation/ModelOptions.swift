/// `key=value` hyper-parameter overrides of a model in an ``EvaluationRequest`` (e.g. `factors=128`).
///
/// Recognised keys: `factors`, `lr`, `reg`, `breg`, `init`, `epochs`, `decay`, `neg`, `negw`,
/// `adaptive` (0/1), `biases` (0/1), `alpha`, `iters`, `k` (neighbours), `shrink`, `weights`
/// (`binary` or `value`), `seed`, `window`, `sampled`, `validation` (0/1), `layers` (e.g. `64-32-16`),
/// `batch`, `mix` (parts of a prequential blend, e.g. `biasedmf+svdpp+itemknn`), `wlr` (its weight step),
/// `ubshrink` (user-bias shrinkage of the online item kNN), `aepochs`, `alr`, `acold` (the attribute
/// projection's passes, step, and the training events below which an item takes its projected vector),
/// `newitems` (percent of items held out by the coldstart protocol), `attrenc` (`embedding`,
/// `autoencoder` or `hashed`: how the session encoders take item attributes), `aecode`, `aeepochs` (the
/// attribute autoencoder's code units and passes), `buckets` (rows of the `hashed` input), `backward` (steps the
/// Bi-GRU's backward direction reads, the newest first; 0 the whole window), `state` (the checkpoint file
/// `--model engine` scores). Unknown keys are an error so typos do not pass silently.
public struct ModelOptions: Sendable, Equatable {
    /// The raw pairs.
    public var values: [String: String]

    static let known: Set<String> = ["factors", "lr", "reg", "breg", "init", "epochs", "decay", "neg", "negw", "adaptive",
                                     "biases", "alpha", "iters", "k", "shrink", "weights", "seed", "window", "sampled",
                                     "validation", "layers", "batch", "logconf", "eps", "recency", "rank", "boost", "bshrink", "flr", "replay", "foldin", "yreg", "rboost", "ureplay",
                                     "hidden", "embedding", "dropout", "slr", "sepochs", "patience", "loss", "mf", "fusion", "fitusers", "mix", "wlr", "ubshrink",
                                     "aepochs", "alr", "acold", "newitems", "attrenc", "aecode", "aeepochs", "buckets", "backward", "state"]

    /// Wraps pairs; throws ``EvaluationError`` (`invalidOption`) for an unknown key.
    public init(_ values: [String: String]) throws {
        for key in values.keys where !Self.known.contains(key) {
            throw EvaluationError(.invalidOption, "unknown option \(key); known: \(Self.known.sorted().joined(separator: ", "))")
        }
        self.values = values
    }

    /// Parses `"a=1,b=2"`.
    public init(parsing text: String) throws {
        var pairs: [String: String] = [:]
        for part in text.split(separator: ",") where !part.isEmpty {
            let kv = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2 else { throw EvaluationError(.invalidOption, "expected key=value, got \(part)") }
            pairs[kv[0]] = kv[1]
        }
        try self.init(pairs)
    }

    func float(_ key: String, _ fallback: Float) throws -> Float {
        guard let s = values[key] else { return fallback }
        guard let v = Float(s) else { throw EvaluationError(.invalidOption, "\(key)=\(s) is not a number") }
        return v
    }

    /// The fixed session share `fusion=SHARE` (nil: fit it), refused outside [0, 1].
    func fixedSessionShare() throws -> Float? {
        guard let fixed = values["fusion"] else { return nil }
        guard let alpha = Float(fixed), alpha >= 0, alpha <= 1 else {
            throw EvaluationError(.invalidOption, "fusion=\(fixed): expected a session share in [0, 1]")
        }
        return alpha
    }

    func int(_ key: String, _ fallback: Int) throws -> Int {
        guard let s = values[key] else { return fallback }
        guard let v = Int(s) else { throw EvaluationError(.invalidOption, "\(key)=\(s) is not an integer") }
        return v
    }

    func bool(_ key: String, _ fallback: Bool) throws -> Bool {
        guard let s = values[key] else { return fallback }
        switch s.lowercased() {
        case "1", "true", "yes": return true
        case "0", "false", "no": return false
        default: throw EvaluationError(.invalidOption, "\(key)=\(s) is not a boolean")
        }
    }

    func string(_ key: String, _ fallback: String) -> String { values[key] ?? fallback }
}
