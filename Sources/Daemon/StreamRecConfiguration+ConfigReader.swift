import Engine
import Events
import Foundation
import Logging
import Models
import Yams

extension StreamRecConfiguration {
    /// Prefix of the environment variables that override file settings
    /// (`engine.top_k` ↔ `STREAMREC_ENGINE_TOP_K`; a librdkafka property such as
    /// `kafka.security.protocol` ↔ `STREAMREC_KAFKA_SECURITY_PROTOCOL`).
    public static let environmentPrefix = "STREAMREC_"

    /// Loads defaults, then the YAML file (if any), then the environment.
    public static func load(file: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> StreamRecConfiguration {
        var config = StreamRecConfiguration()
        if let file {
            let text: String
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw ConfigurationError("cannot read configuration file \(file): \(error.localizedDescription)")
            }
            try config.apply(yaml: text, source: file)
        }
        try config.apply(environment: environment)
        return config
    }

    /// Applies every key of a YAML document.
    public mutating func apply(yaml text: String, source: String = "configuration") throws {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw ConfigurationError("\(source) is not valid YAML: \(error)")
        }
        guard let node else { return }
        var flat: [(String, String)] = []
        try Self.flatten(node, prefix: "", into: &flat, source: source)
        for (key, value) in flat { try set(key, value, source: source) }
    }

    /// Applies `STREAMREC_*` variables.
    public mutating func apply(environment: [String: String]) throws {
        for (name, value) in environment.sorted(by: { $0.key < $1.key }) where name.hasPrefix(Self.environmentPrefix) {
            let rest = name.dropFirst(Self.environmentPrefix.count).lowercased()
            guard let key = Self.keyForEnvironment(String(rest)) else {
                throw ConfigurationError("environment variable \(name) names no configuration key")
            }
            try set(key, value, source: "environment variable \(name)")
        }
    }

    /// Sets one dotted key from its text value.
    public mutating func set(_ key: String, _ value: String, source: String = "configuration") throws {
        if key.hasPrefix("kafka."), !Self.setters.keys.contains(key) {
            // Anything else under `kafka:` is a librdkafka property, passed through unchanged.
            let property = String(key.dropFirst("kafka.".count))
            guard property.contains(".") || Self.singleWordKafkaProperties.contains(property) else {
                throw ConfigurationError("\(source): unknown key '\(key)' (librdkafka properties under kafka: look like 'security.protocol')")
            }
            pipeline.kafkaProperties[property] = value
            return
        }
        guard let setter = Self.setters[key] else {
            throw ConfigurationError("\(source): unknown configuration key '\(key)'")
        }
        do {
            try setter(&self, value)
        } catch let error as ConfigurationError {
            throw ConfigurationError("\(source): \(key): \(error.description)")
        }
    }

    private static let singleWordKafkaProperties: Set<String> = ["acks", "debug", "linger.ms"]

    private static func keyForEnvironment(_ lowered: String) -> String? {
        // Known keys first (their dots became underscores)…
        for key in setters.keys where key.replacingOccurrences(of: ".", with: "_") == lowered { return key }
        // …then librdkafka properties: STREAMREC_KAFKA_SECURITY_PROTOCOL → kafka.security.protocol.
        if lowered.hasPrefix("kafka_") {
            return "kafka." + lowered.dropFirst("kafka_".count).replacingOccurrences(of: "_", with: ".")
        }
        return nil
    }

    private static func flatten(_ node: Node, prefix: String, into out: inout [(String, String)], source: String) throws {
        switch node {
        case .mapping(let mapping):
            for (keyNode, valueNode) in mapping {
                guard let key = keyNode.string else { throw ConfigurationError("\(source): a key is not a string") }
                try flatten(valueNode, prefix: prefix.isEmpty ? key : prefix + "." + key, into: &out, source: source)
            }
        case .scalar(let scalar):
            if scalar.tag.description.hasSuffix(":null") || (scalar.string.isEmpty && scalar.style == .plain) { return }
            out.append((prefix, scalar.string))
        case .sequence(let sequence):
            out.append((prefix, sequence.compactMap(\.string).joined(separator: ",")))
        }
    }

    // MARK: - The keys

    typealias Setter = @Sendable (inout StreamRecConfiguration, String) throws -> Void

    static func int(_ s: String) throws -> Int {
        guard let v = Int(s.trimmingCharacters(in: .whitespaces)) else { throw ConfigurationError("'\(s)' is not an integer") }
        return v
    }
    /// A `*_negatives` value: a softmax over that many sampled items, or over every item for 0.
    static func sampledLoss(_ s: String) throws -> SessionLoss {
        let n = try int(s)
        guard n >= 0 else { throw ConfigurationError("must not be negative (0: softmax over every item), got \(n)") }
        return n == 0 ? .fullSoftmax : .sampledSoftmax(negatives: n)
    }
    static func positiveInt(_ s: String) throws -> Int {
        let v = try int(s)
        guard v > 0 else { throw ConfigurationError("must be positive, got \(v)") }
        return v
    }
    static func double(_ s: String) throws -> Double {
        guard let v = Double(s.trimmingCharacters(in: .whitespaces)), v.isFinite else { throw ConfigurationError("'\(s)' is not a number") }
        return v
    }
    static func float(_ s: String) throws -> Float { Float(try double(s)) }
    static func bool(_ s: String) throws -> Bool {
        switch s.lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        default: throw ConfigurationError("'\(s)' is not a boolean")
        }
    }

    /// Every key: these and the `items.*` keys (`StreamRecConfiguration+Items.swift`).
    private static let setters: [String: Setter] = baseSetters.merging(itemSetters) { first, _ in first }

    private static let baseSetters: [String: Setter] = [
        "kafka.bootstrap_servers": { $0.pipeline.bootstrapServers = $1 },
        "kafka.group_id": { $0.pipeline.groupId = $1 },
        "kafka.input_topic": { $0.pipeline.inputTopic = $1 },
        "kafka.output_topic": { $0.pipeline.outputTopic = $1 },
        "kafka.dlq_topic": { $0.pipeline.deadLetterTopic = $1 },
        "kafka.consumer_group": { $0.pipeline.useConsumerGroup = try bool($1) },
        "kafka.changelog_topic": { $0.pipeline.changelogTopicSetting = $1 },
        "kafka.item_updates_topic": { $0.pipeline.itemUpdatesTopicSetting = $1 },
        "kafka.item_updates_interval_ms": { $0.pipeline.itemUpdatesIntervalMs = Int64(try positiveInt($1)) },
        "kafka.models_topic": { $0.pipeline.modelsTopicSetting = $1 },
        "kafka.item_updates_max_items": { $0.pipeline.itemUpdatesMaxItems = try positiveInt($1) },
        "kafka.restore_timeout_ms": { $0.pipeline.restoreTimeoutMs = Int32(try positiveInt($1)) },
        "kafka.poll_batch_size": { $0.pipeline.pollBatchSize = try positiveInt($1) },
        "kafka.commit_interval_ms": { $0.pipeline.commitIntervalMs = Int64(try positiveInt($1)) },
        "kafka.shutdown_timeout_ms": { $0.pipeline.shutdownTimeoutMs = Int32(try positiveInt($1)) },
        "kafka.max_outstanding_lists": { $0.pipeline.maxOutstandingLists = try positiveInt($1) },

        "engine.top_k": { $0.engine.topK = try positiveInt($1); $0.engine.metricK = $0.engine.topK },
        "engine.debounce_ms": { $0.engine.debounceMs = Int64(try int($1)) },
        "engine.refresh_interval_ms": { $0.pipeline.refreshIntervalMs = Int64(try positiveInt($1)) },
        "engine.fresh_lists": { $0.pipeline.freshLists = try bool($1) },
        "engine.refresh_batch_size": { $0.engine.refreshBatchSize = try positiveInt($1) },
        "engine.refresh_max_users": { $0.engine.refreshMaxUsers = try positiveInt($1) },
        "engine.min_events_for_personal": { $0.engine.minEventsForPersonal = try int($1) },
        "engine.popularity_half_life_s": { $0.engine.popularityHalfLifeSeconds = try double($1) },
        "engine.max_users": { $0.engine.maxUsers = try positiveInt($1) },
        "engine.max_items": { $0.engine.maxItems = try positiveInt($1) },
        "engine.evict_idle_users": { $0.engine.evictIdleUsers = try bool($1) },
        "engine.weights.view": { $0.engine.typeWeights[.view] = try float($1) },
        "engine.weights.click": { $0.engine.typeWeights[.click] = try float($1) },
        "engine.weights.cart": { $0.engine.typeWeights[.cart] = try float($1) },
        "engine.weights.purchase": { $0.engine.typeWeights[.purchase] = try float($1) },
        "engine.weights.rating": { $0.engine.typeWeights[.rating] = try float($1) },

        "events.max_message_bytes": { $0.engine.eventLimits.maxMessageBytes = try positiveInt($1) },
        "events.max_id_bytes": { $0.engine.eventLimits.maxIdBytes = try positiveInt($1) },
        "events.rating_min": { c, v in
            let lo = try float(v); c.engine.eventLimits.ratingRange = lo...max(lo, c.engine.eventLimits.ratingRange.upperBound)
        },
        "events.rating_max": { c, v in
            let hi = try float(v)
            guard hi >= c.engine.eventLimits.ratingRange.lowerBound else { throw ConfigurationError("rating_max is below rating_min") }
            c.engine.eventLimits.ratingRange = c.engine.eventLimits.ratingRange.lowerBound...hi
        },

        "model.name": { $0.engine.modelName = $1 },
        "model.feedback": { c, v in
            guard let f = Feedback(rawValue: v) else { throw ConfigurationError("'\(v)' is not one of explicit, implicit") }
            c.engine.model.feedback = f
        },
        "model.factors": { $0.engine.model.factors = try positiveInt($1) },
        "model.learning_rate": { $0.engine.model.learningRate = try float($1) },
        "model.regularization": { $0.engine.model.regularization = try float($1) },
        "model.bias_regularization": { $0.engine.model.biasRegularization = try float($1) },
        "model.negative_samples": { $0.engine.model.negativeSamples = try int($1) },
        "model.frequency_adaptive": { $0.engine.model.frequencyAdaptive = try bool($1) },
        "model.init_std": { $0.engine.model.initStd = try float($1) },
        "model.seed": { $0.engine.model.seed = UInt64(try int($1)) },
        "model.idle_epochs": { c, v in
            let n = try int(v)
            guard n >= 0 else { throw ConfigurationError("must not be negative (0: no MF passes while the stream is quiet), got \(v)") }
            c.engine.idleEpochs = n
        },
        "model.idle_negatives": { c, v in
            let n = try int(v)
            guard n >= 1 else { throw ConfigurationError("must be at least 1 (negatives sampled per step of the quiet-stream MF passes), got \(v)") }
            c.engine.idleNegatives = n
        },
        "model.warm_start": { $0.pipeline.warmStartSnapshot = $1.isEmpty ? nil : $1 },

        "session.model": { c, v in
            guard !v.isEmpty else { c.engine.session.snapshot = nil; return }
            do {
                c.engine.session.snapshot = try SessionSnapshot(path: v)
            } catch {
                throw ConfigurationError("cannot load the session model \(v): \(error)")
            }
        },
        "session.enabled": { $0.engine.session.learning.enabled = try bool($1) },
        "session.train_every_events": { $0.engine.session.learning.trainEveryEvents = try positiveInt($1) },
        "session.train_interval_s": { c, v in
            let seconds = try double(v)
            guard seconds > 0 else { throw ConfigurationError("must be positive, got \(v)") }
            c.engine.session.learning.trainIntervalSeconds = seconds
        },
        "session.idle_rounds": { c, v in
            let n = try int(v)
            guard n >= 0 else { throw ConfigurationError("must not be negative (0: no training while the stream is quiet), got \(v)") }
            c.engine.session.learning.idleRounds = n
        },
        "session.idle_train_negatives": { $0.engine.session.learning.idleLoss = try sampledLoss($1) },
        "session.idle_patience": { $0.engine.session.learning.idlePatience = try positiveInt($1) },
        "session.idle_averaging": { $0.engine.session.learning.idleAveraging = try bool($1) },
        "session.train_duty": { c, v in
            let duty = try double(v)
            guard duty > 0, duty <= 1 else { throw ConfigurationError("must be within (0, 1] (1: the trainer never pauses), got \(v)") }
            c.engine.session.learning.trainDuty = duty
        },
        "session.replay_max_bytes": { c, v in
            let n = try int(v)
            guard n >= 65_536 else { throw ConfigurationError("must be at least 65536 (64 KiB), got \(v)") }
            c.engine.session.learning.replayMaxBytes = n
        },
        "session.train_max_examples": { $0.engine.session.learning.maxExamplesPerRound = try positiveInt($1) },
        "session.train_negatives": { $0.engine.session.learning.model.loss = try sampledLoss($1) },
        "session.validation_users": { c, v in
            let n = try int(v)
            guard n >= 0 else { throw ConfigurationError("must not be negative, got \(v)") }
            c.engine.session.learning.validationUsers = n
        },
        "session.attribute_buckets": { c, v in
            let n = try int(v)
            let most = SessionLearningConfiguration.maxAttributeBuckets
            guard (0...most).contains(n) else { throw ConfigurationError("must be within 0...\(most) (0: no attribute input), got \(v)") }
            c.engine.session.learning.attributeBuckets = n
        },
        "session.max_users": { $0.engine.session.maxUsers = try positiveInt($1) },
        "session.idle_ttl_s": { c, v in
            let seconds = try double(v)
            guard seconds >= 0 else { throw ConfigurationError("must not be negative, got \(v)") }
            c.engine.session.idleTTLSeconds = seconds
        },
        "session.max_spilled_users": { c, v in
            let n = try int(v)
            guard n >= 0 else { throw ConfigurationError("must not be negative, got \(v)") }
            c.engine.session.maxSpilledUsers = n
        },

        "state.dir": { $0.stateDirectory = $1 },
        "state.checkpoint_every_events": { $0.pipeline.checkpointEveryEvents = try positiveInt($1) },
        "state.checkpoint_interval_s": { c, v in
            let seconds = try double(v)
            guard seconds > 0 else { throw ConfigurationError("must be positive, got \(v)") }
            c.pipeline.checkpointIntervalMs = Int64(seconds * 1000)
        },
        "state.checkpoints_kept": { $0.pipeline.checkpointsKept = try positiveInt($1) },

        "http.address": { $0.httpAddress = $1 },
        "http.port": { c, v in
            let port = try int(v)
            guard (0...65535).contains(port) else { throw ConfigurationError("port \(port) is out of range") }
            c.httpPort = port
        },
        "http.ready_max_lag": { $0.readyMaxLag = Int64(try int($1)) },
        "http.max_body_bytes": { $0.httpMaxBodyBytes = try positiveInt($1) },
        "http.max_k": { $0.httpMaxK = try positiveInt($1) },
        "http.list_cache_size": { $0.httpListCacheSize = try positiveInt($1) },
        "http.accept_events": { $0.httpAcceptEvents = try bool($1) },
        "http.auth_token_file": { c, v in
            let path = v.trimmingCharacters(in: .whitespaces)
            c.httpAuthToken = path.isEmpty ? nil : try readAuthToken(path: path)
            c.httpAuthTokenFile = path.isEmpty ? nil : path
        },
        "metrics.enabled": { $0.metricsEnabled = try bool($1) },

        "log.level": { c, v in
            guard let level = Logger.Level(rawValue: v.lowercased()) else {
                throw ConfigurationError("'\(v)' is not one of trace, debug, info, notice, warning, error, critical")
            }
            c.logLevel = level
        },
    ]

    /// Every key the file and environment accept (besides librdkafka properties under `kafka.`).
    public static var knownKeys: [String] { setters.keys.sorted() }
}
