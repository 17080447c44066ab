import Engine
import Models

/// What an operator should be told at start about configuration that is not in force: keys
/// whose value is overridden by the restored state, or that do nothing with this setup.
/// Pure, so the rule is tested apart from logging; the pipeline logs each line as a warning.
public enum StartupNotices {
    /// The notices for a pipeline configured with `pipeline` and `engine` that restored a
    /// checkpoint whose model was built with `restoredModel` (nil: no checkpoint restored).
    public static func lines(pipeline: PipelineConfiguration, engine: EngineConfiguration,
                             restoredModel: OnlineMFConfiguration?) -> [String] {
        var out: [String] = []
        if (pipeline.stateDirectory != nil || pipeline.changelogTopic != nil)
            && pipeline.commitIntervalMs != PipelineConfiguration().commitIntervalMs {
            let why = pipeline.stateDirectory != nil ? "state.dir set" : "a changelog (kafka.changelog_topic)"
            out.append("kafka.commit_interval_ms (\(pipeline.commitIntervalMs)) is not used with \(why): "
                + "offsets are committed after each checkpoint round (state.checkpoint_every_events, state.checkpoint_interval_s)")
        }
        guard let restoredModel else { return out }
        if let warm = pipeline.warmStartSnapshot {
            out.append("model.warm_start (\(warm)) is ignored: a checkpoint was restored and holds the model")
        }
        let differing = differences(restoredModel, engine.model)
        if !differing.isEmpty {
            out.append("model.* keys differ from the restored checkpoint, whose values stay in force: "
                + differing.joined(separator: ", ") + " (remove the state directory to apply them)")
        }
        return out
    }

    /// `key checkpoint=value configured=value` for each model key whose values differ.
    static func differences(_ restored: OnlineMFConfiguration, _ configured: OnlineMFConfiguration) -> [String] {
        var out: [String] = []
        func compare<T: Equatable>(_ key: String, _ a: T, _ b: T) {
            if a != b { out.append("\(key) checkpoint=\(a) configured=\(b)") }
        }
        compare("model.feedback", restored.feedback.rawValue, configured.feedback.rawValue)
        compare("model.factors", restored.factors, configured.factors)
        compare("model.learning_rate", restored.learningRate, configured.learningRate)
        compare("model.regularization", restored.regularization, configured.regularization)
        compare("model.bias_regularization", restored.biasRegularization, configured.biasRegularization)
        compare("model.init_std", restored.initStd, configured.initStd)
        compare("model.negative_samples", restored.negativeSamples, configured.negativeSamples)
        compare("model.frequency_adaptive", restored.frequencyAdaptive, configured.frequencyAdaptive)
        compare("model.seed", restored.seed, configured.seed)
        if out.isEmpty && restored != configured { out.append("other model.* keys") }
        return out
    }
}
