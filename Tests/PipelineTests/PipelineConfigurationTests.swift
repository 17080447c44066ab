import Engine
import Testing
import Pipeline

@Suite("Pipeline Kafka properties")
struct PipelineConfigurationTests {
    @Test("consumer: no auto commit, earliest, a deep prefetch queue; given properties win")
    func consumerDefaults() {
        var configuration = PipelineConfiguration()
        var p = configuration.consumerProperties()
        #expect(p["enable.auto.commit"] == "false")
        #expect(p["auto.offset.reset"] == "earliest")
        #expect(p["queued.min.messages"] == "1000000")
        configuration.kafkaProperties = ["queued.min.messages": "5000", "fetch.wait.max.ms": "5"]
        p = configuration.consumerProperties()
        #expect(p["queued.min.messages"] == "5000")
        #expect(p["fetch.wait.max.ms"] == "5")
    }

    @Test("producer: idempotent, acks=all, consumer-only tuning left out")
    func producerDefaults() {
        var configuration = PipelineConfiguration()
        configuration.kafkaProperties = ["queued.min.messages": "5000", "fetch.wait.max.ms": "5",
                                         "queued.max.messages.kbytes": "1024", "security.protocol": "SSL"]
        let p = configuration.producerProperties()
        #expect(p["enable.idempotence"] == "true")
        #expect(p["acks"] == "all")
        #expect(p["security.protocol"] == "SSL")
        #expect(p["queued.min.messages"] == nil)
        #expect(p["queued.max.messages.kbytes"] == nil)
        #expect(p["fetch.wait.max.ms"] == nil)
    }
}
