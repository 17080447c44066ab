import ArgumentParser
import Daemon

/// Flags that override the common configuration keys, shared by `serve` and friends.
struct KafkaOptions: ParsableArguments {
    @Option(help: "Kafka bootstrap servers (overrides kafka.bootstrap_servers).")
    var bootstrapServers: String?
    @Option(help: "Consumer group id (overrides kafka.group_id).")
    var groupId: String?
    @Option(help: "Input topic of interaction events (overrides kafka.input_topic).")
    var inputTopic: String?
    @Option(help: "Output topic of recommendation lists (overrides kafka.output_topic).")
    var outputTopic: String?
    @Option(help: "Dead-letter topic for rejected messages (overrides kafka.dlq_topic).")
    var dlqTopic: String?
    @Option(help: "Directory for checkpoints and state (overrides state.dir).")
    var stateDir: String?

    /// Applies the flags that were given.
    func apply(to config: inout StreamRecConfiguration) {
        if let bootstrapServers { config.pipeline.bootstrapServers = bootstrapServers }
        if let groupId { config.pipeline.groupId = groupId }
        if let inputTopic { config.pipeline.inputTopic = inputTopic }
        if let outputTopic { config.pipeline.outputTopic = outputTopic }
        if let dlqTopic { config.pipeline.deadLetterTopic = dlqTopic }
        if let stateDir { config.stateDirectory = stateDir }
    }
}
