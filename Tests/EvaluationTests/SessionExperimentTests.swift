import Foundation
import Testing
import Evaluation
import Models

/// Slow leave-one-out runs on the staged data sets; skipped unless STREAMREC_SLOW=1.
///
/// STREAMREC_SESSION_DATASETS: comma-separated paths (default: Beauty).
/// STREAMREC_SESSION_SETTINGS: comma-separated `key=value` overrides, e.g.
/// `forwardOnly=true,dropout=0.5,loss=sampled:512`; `;` separates several settings to run in turn.
@Suite("Session model experiments (STREAMREC_SLOW=1)")
struct SessionExperimentTests {
    static let environment = ProcessInfo.processInfo.environment
    static let enabled = environment["STREAMREC_SLOW"] == "1"
    static let datasetsRoot = "/work/shared/datasets"

    /// Writes a line to standard error (unbuffered, so progress shows while a run goes on).
    static func log(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    static func apply(_ settings: Substring, to c: inout SessionModelConfiguration) {
        for pair in settings.split(separator: ",") {
            let kv = pair.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2 else { continue }
            let v = kv[1]
            switch kv[0] {
            case "forwardOnly": c.forwardOnly = v == "true"
            case "tied": c.tiedEmbeddings = v == "true"
            case "dropout": c.dropout = Float(v) ?? c.dropout
            case "lr": c.learningRate = Float(v) ?? c.learningRate
            case "l2": c.l2 = Float(v) ?? c.l2
            case "batch": c.batchSize = Int(v) ?? c.batchSize
            case "epochs": c.epochs = Int(v) ?? c.epochs
            case "patience": c.patience = Int(v) ?? c.patience
            case "embedding": c.embeddingDimension = Int(v) ?? c.embeddingDimension
            case "hidden": c.hiddenSize = Int(v) ?? c.hiddenSize
            case "window": c.windowLength = Int(v) ?? c.windowLength
            case "seed": c.seed = UInt64(v) ?? c.seed
            case "loss":
                if v == "full" { c.loss = .fullSoftmax }
                else if v.hasPrefix("sampled:") { c.loss = .sampledSoftmax(negatives: Int(v.dropFirst(8)) ?? 256) }
                else if v.hasPrefix("bpr:") { c.loss = .bpr(negatives: Int(v.dropFirst(4)) ?? 64) }
            default: Self.log("unknown setting \(kv[0])")
            }
        }
    }

    @Test("leave-one-out HR@10 / NDCG@10 on the staged data sets", .enabled(if: enabled))
    func leaveOneOut() throws {
        let paths = (Self.environment["STREAMREC_SESSION_DATASETS"]
            ?? "\(Self.datasetsRoot)/amazon-beauty-s3rec/Beauty.txt").split(separator: ",").map(String.init)
        let settingsList = (Self.environment["STREAMREC_SESSION_SETTINGS"] ?? "").split(separator: ";", omittingEmptySubsequences: false)
        for path in paths {
            guard FileManager.default.fileExists(atPath: path) else {
                Self.log("skipping \(path): data set absent")
                continue
            }
            for settings in settingsList {
                Self.log("=== \(path) [\(settings)]")
                let result = try SessionExperiment.leaveOneOut(dataset: SessionDataset.load(path: path), configure: { Self.apply(settings, to: &$0) }) { p in
                    Self.log("epoch \(p.epoch) loss \(p.trainingLoss) \(p.validation.map { "\($0)" } ?? "") best \(p.bestEpoch) \(Int(p.elapsedSeconds)) s")
                }
                Self.log("RESULT \(path) [\(settings)] \(result)")
                #expect(result.test.count > 0)
            }
        }
    }

    @Test("per-event session update cost (H = 64, W = 20)", .enabled(if: enabled))
    func updateBenchmark() throws {
        for forwardOnly in [false, true] {
            let r = try SessionBenchmark.measureUpdate(forwardOnly: forwardOnly)
            Self.log("BENCH \(forwardOnly ? "forward-only" : "bidirectional") \(r)")
            #expect(r.updates > 0)
        }
    }
}
