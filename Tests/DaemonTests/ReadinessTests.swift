import Daemon
import Pipeline
import Testing

@Suite("Readiness rule")
struct ReadinessTests {
    @Test("not ready while the item topic is read from its start, nor before assignment, nor behind")
    func rule() {
        var stats = PipelineStats()
        stats.assigned = true
        stats.lag = 3
        #expect(Readiness.problem(stats, maxLag: 10) == nil)
        stats.itemsCatchingUp = true
        #expect(Readiness.problem(stats, maxLag: 10) == "reading the item topic from its start")
        stats.itemsCatchingUp = false
        stats.lag = 11
        #expect(Readiness.problem(stats, maxLag: 10) == "consumer lag 11 is above 10")
        stats.assigned = false
        #expect(Readiness.problem(stats, maxLag: 10) == "no input partitions assigned yet")
    }
}
