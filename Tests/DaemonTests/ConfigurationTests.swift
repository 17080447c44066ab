import Daemon
import Engine
import Foundation
import Pipeline
import Testing

@Suite("Configuration file and environment")
struct ConfigurationTests {
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    @Test("the shipped config/streamrec.yaml loads and equals the built-in defaults")
    func shippedFileMatchesDefaults() throws {
        let path = Self.repositoryRoot.appendingPathComponent("config/streamrec.yaml").path
        let loaded = try StreamRecConfiguration.load(file: path, environment: [:])
        let defaults = StreamRecConfiguration()
        #expect(loaded.pipeline.bootstrapServers == defaults.pipeline.bootstrapServers)
        #expect(loaded.pipeline.inputTopic == defaults.pipeline.inputTopic)
        #expect(loaded.pipeline.outputTopic == defaults.pipeline.outputTopic)
        #expect(loaded.pipeline.deadLetterTopic == defaults.pipeline.deadLetterTopic)
        #expect(loaded.pipeline.commitIntervalMs == defaults.pipeline.commitIntervalMs)
        #expect(loaded.pipeline.kafkaProperties.isEmpty)
        #expect(loaded.engine.topK == defaults.engine.topK)
        #expect(loaded.engine.debounceMs == defaults.engine.debounceMs)
        #expect(loaded.engine.typeWeights == defaults.engine.typeWeights)
        #expect(loaded.engine.model == defaults.engine.model)
        #expect(loaded.engine.eventLimits.ratingRange == defaults.engine.eventLimits.ratingRange)
        #expect(loaded.stateDirectory == defaults.stateDirectory)
        #expect(loaded.httpPort == defaults.httpPort)
        #expect(loaded.logLevel == defaults.logLevel)
        let learning = loaded.engine.session.learning, builtIn = defaults.engine.session.learning
        #expect(learning.enabled && builtIn.enabled)
        #expect(learning.trainEveryEvents == builtIn.trainEveryEvents && learning.trainIntervalSeconds == builtIn.trainIntervalSeconds)
        #expect(learning.replayMaxBytes == builtIn.replayMaxBytes && learning.maxExamplesPerRound == builtIn.maxExamplesPerRound)
        #expect(learning.model.loss == builtIn.model.loss && loaded.pipeline.freshLists == defaults.pipeline.freshLists)
        #expect(learning.validationUsers == builtIn.validationUsers)
        #expect(learning.idleRounds == builtIn.idleRounds && learning.idlePatience == builtIn.idlePatience
            && learning.idleLoss == builtIn.idleLoss && learning.idleAveraging && builtIn.idleAveraging)
        #expect(loaded.pipeline.itemsTopic == "streamrec.items")
        #expect(loaded.pipeline.itemsCatchUpTimeoutMs == defaults.pipeline.itemsCatchUpTimeoutMs)
        #expect(loaded.engine.items.embeddingWidth == defaults.engine.items.embeddingWidth)
        #expect(loaded.engine.items.maxAttributes == defaults.engine.items.maxAttributes)
        #expect(loaded.engine.items.coldStartEvents == defaults.engine.items.coldStartEvents)
        #expect(loaded.engine.items.projectionMinEvents == defaults.engine.items.projectionMinEvents)
        #expect(loaded.engine.items.projectionLearningRate == defaults.engine.items.projectionLearningRate)
        #expect(loaded.engine.items.rowsPerRound == defaults.engine.items.rowsPerRound)
    }

    @Test("session training keys, model.idle_epochs and model.idle_negatives set the learners; out-of-range values are refused with the key named")
    func sessionLearningKeys() throws {
        var config = StreamRecConfiguration()
        try config.apply(yaml: """
        session:
          enabled: false
          train_every_events: 1000
          train_interval_s: 2.5
          replay_max_bytes: 1048576
          train_max_examples: 500
          validation_users: 0
          attribute_buckets: 512
          train_negatives: 0
          idle_rounds: 7
          idle_patience: 2
          idle_train_negatives: 128
          idle_averaging: false
          train_duty: 0.25
        engine:
          fresh_lists: false
        model:
          idle_epochs: 5
          idle_negatives: 24
        """)
        #expect(config.engine.idleEpochs == 5 && StreamRecConfiguration().engine.idleEpochs == 20 && EngineConfiguration().idleEpochs == 0)
        #expect(config.engine.idleNegatives == 24 && StreamRecConfiguration().engine.idleNegatives == 16)
        let learning = config.engine.session.learning
        #expect(learning.model.loss == .fullSoftmax && SessionLearningConfiguration().model.loss == .sampledSoftmax(negatives: 256))
        #expect(!config.pipeline.freshLists && PipelineConfiguration().freshLists)
        #expect(learning.idleRounds == 7 && learning.idlePatience == 2 && learning.idleLoss == .sampledSoftmax(negatives: 128))
        #expect(learning.trainDuty == 0.25 && SessionLearningConfiguration().trainDuty == 0.5)
        #expect(!learning.idleAveraging && SessionLearningConfiguration().idleAveraging)
        let defaults = SessionLearningConfiguration()
        #expect(defaults.idleRounds == 20 && defaults.idlePatience == 3 && defaults.idleLoss == .fullSoftmax)
        try config.set("session.train_negatives", "64")
        #expect(config.engine.session.learning.model.loss == .sampledSoftmax(negatives: 64))
        #expect(!learning.enabled && learning.trainEveryEvents == 1_000 && learning.trainIntervalSeconds == 2.5)
        #expect(learning.replayMaxBytes == 1_048_576 && learning.maxExamplesPerRound == 500 && learning.validationUsers == 0)
        #expect(learning.attributeBuckets == 512 && SessionLearningConfiguration().attributeBuckets == 4_096)
        for (key, value, says) in [("session.train_every_events", "0", "must be positive"),
                                   ("session.train_interval_s", "-1", "must be positive"),
                                   ("session.replay_max_bytes", "1000", "at least 65536"),
                                   ("session.attribute_buckets", "-1", "within 0...1048576"),
                                   ("session.train_negatives", "-5", "must not be negative"),
                                   ("session.idle_rounds", "-1", "must not be negative"),
                                   ("session.idle_train_negatives", "-2", "must not be negative"),
                                   ("session.idle_patience", "0", "must be positive"),
                                   ("session.train_duty", "0", "within (0, 1]"),
                                   ("session.train_duty", "1.5", "within (0, 1]"),
                                   ("model.idle_epochs", "-1", "must not be negative"),
                                   ("model.idle_negatives", "0", "must be at least 1"),
                                   ("engine.fresh_lists", "often", "is not a boolean"),
                                   ("session.enabled", "maybe", "is not a boolean"),
                                   ("session.idle_averaging", "mean", "is not a boolean")] {
            var c = StreamRecConfiguration()
            #expect {
                try c.set(key, value)
            } throws: { error in
                let text = String(describing: error)
                return text.contains(key) && text.contains(says)
            }
        }
    }

    @Test("environment overrides the file; librdkafka properties pass through unchanged")
    func environmentOverrides() throws {
        var config = StreamRecConfiguration()
        try config.apply(yaml: """
        kafka:
          input_topic: clicks
          security.protocol: SASL_SSL
          sasl.mechanisms: PLAIN
        engine:
          top_k: 20
        """)
        try config.apply(environment: [
            "STREAMREC_ENGINE_TOP_K": "5",
            "STREAMREC_KAFKA_SASL_USERNAME": "svc",
            "STREAMREC_KAFKA_BOOTSTRAP_SERVERS": "broker:9093",
            "HOME": "/root",
        ])
        #expect(config.pipeline.inputTopic == "clicks")
        #expect(config.engine.topK == 5)
        #expect(config.pipeline.bootstrapServers == "broker:9093")
        #expect(config.pipeline.kafkaProperties == [
            "security.protocol": "SASL_SSL", "sasl.mechanisms": "PLAIN", "sasl.username": "svc",
        ])
        #expect(config.pipeline.consumerProperties()["security.protocol"] == "SASL_SSL")
        #expect(config.pipeline.producerProperties()["sasl.username"] == "svc")
    }

    @Test("the sharing topics default to the group's names; the empty string turns them off")
    func sharingTopics() throws {
        var config = StreamRecConfiguration()
        try config.apply(yaml: "kafka:\n  group_id: recs\n  item_updates_interval_ms: 250\n  item_updates_max_items: 64")
        #expect(config.pipeline.itemUpdatesTopic == "recs.item-updates")
        #expect(config.pipeline.modelsTopic == "recs.models")
        #expect(config.pipeline.itemUpdatesIntervalMs == 250 && config.pipeline.itemUpdatesMaxItems == 64)
        try config.apply(yaml: "kafka:\n  item_updates_topic: \"\"\n  models_topic: shared-models")
        #expect(config.pipeline.itemUpdatesTopic == nil)
        #expect(config.pipeline.modelsTopic == "shared-models")
        try config.apply(yaml: "kafka:\n  consumer_group: false")
        #expect(config.pipeline.modelsTopic == nil)
        #expect(throws: (any Error).self) { try config.apply(yaml: "kafka:\n  item_updates_interval_ms: 0") }
    }

    @Test("bad keys and values are refused with the key named", arguments: [
        ("engine:\n  topk: 3", "engine.topk"),
        ("engine:\n  top_k: many", "engine.top_k"),
        ("engine:\n  top_k: 0", "engine.top_k"),
        ("model:\n  feedback: sometimes", "model.feedback"),
        ("http:\n  port: 70000", "http.port"),
        ("log:\n  level: loud", "log.level"),
        ("kafka:\n  colour: blue", "kafka.colour"),
        ("engine: [unclosed", "valid YAML"),
    ])
    func badInput(yaml: String, mention: String) {
        var config = StreamRecConfiguration()
        #expect {
            try config.apply(yaml: yaml)
        } throws: { error in
            String(describing: error).contains(mention)
        }
    }

    @Test("an unknown STREAMREC_ variable is an error")
    func unknownEnvironment() {
        var config = StreamRecConfiguration()
        #expect(throws: ConfigurationError.self) {
            try config.apply(environment: ["STREAMREC_NOPE": "1"])
        }
    }

    @Test("a missing file is reported with its path")
    func missingFile() {
        #expect {
            _ = try StreamRecConfiguration.load(file: "/nonexistent/streamrec.yaml", environment: [:])
        } throws: { error in
            String(describing: error).contains("/nonexistent/streamrec.yaml")
        }
    }
}
