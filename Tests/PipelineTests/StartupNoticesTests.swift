import Engine
import Models
import Testing
import Pipeline

@Suite("Start-up notices of configuration not in force")
struct StartupNoticesTests {
    @Test("commit_interval_ms set with a state directory or a changelog is reported; with neither it is not")
    func commitInterval() {
        var pipeline = PipelineConfiguration()
        pipeline.commitIntervalMs = 1_000
        pipeline.stateDirectory = "/tmp/state"
        let lines = StartupNotices.lines(pipeline: pipeline, engine: EngineConfiguration(), restoredModel: nil)
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("kafka.commit_interval_ms (1000) is not used with state.dir set") == true)
        pipeline.stateDirectory = nil
        let group = StartupNotices.lines(pipeline: pipeline, engine: EngineConfiguration(), restoredModel: nil)
        #expect(group.first?.hasPrefix("kafka.commit_interval_ms (1000) is not used with a changelog") == true)
        pipeline.useConsumerGroup = false
        #expect(StartupNotices.lines(pipeline: pipeline, engine: EngineConfiguration(), restoredModel: nil).isEmpty)
    }

    @Test("warm_start and changed model keys are reported once a checkpoint is restored")
    func restoredModel() {
        var pipeline = PipelineConfiguration()
        pipeline.warmStartSnapshot = "/tmp/model.snap"
        var engine = EngineConfiguration()
        let restored = engine.model
        #expect(StartupNotices.lines(pipeline: pipeline, engine: engine, restoredModel: nil).isEmpty)
        #expect(StartupNotices.lines(pipeline: pipeline, engine: engine, restoredModel: restored)
                == ["model.warm_start (/tmp/model.snap) is ignored: a checkpoint was restored and holds the model"])
        pipeline.warmStartSnapshot = nil
        engine.model.factors = restored.factors * 2
        engine.model.learningRate = 0.5
        let lines = StartupNotices.lines(pipeline: pipeline, engine: engine, restoredModel: restored)
        #expect(lines.count == 1)
        #expect(lines.first?.contains("model.factors checkpoint=\(restored.factors) configured=\(restored.factors * 2)") == true)
        #expect(lines.first?.contains("model.learning_rate checkpoint=") == true)
    }
}
