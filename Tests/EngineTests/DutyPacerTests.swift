@testable import Engine
import Foundation
import Testing

@Suite("The trainer's duty cycle")
struct DutyPacerTests {
    /// Spins the CPU for about `seconds` of this thread's CPU time, calling `pause` every 0.2 ms
    /// (told the stream is `behind` or not).
    func work(_ seconds: Double, _ pacer: inout DutyPacer, behind: Bool = false) -> (cpu: Double, wall: Double) {
        let cpu0 = SessionLearner.threadCPUSeconds(), wall0 = Date()
        var x = 1.0
        while SessionLearner.threadCPUSeconds() - cpu0 < seconds {
            let step = SessionLearner.threadCPUSeconds()
            while SessionLearner.threadCPUSeconds() - step < 0.0002 { x = x * 1.000001 + 1e-9 }
            pacer.pause(behind: behind)
        }
        #expect(x > 0)
        return (SessionLearner.threadCPUSeconds() - cpu0, Date().timeIntervalSince(wall0))
    }

    @Test("at duty 0.5 the thread sleeps about as long as it computes; at 1 it never sleeps")
    func halfDuty() {
        var half = DutyPacer(duty: 0.5)
        let (cpu, wall) = work(0.04, &half)
        // Sleep is at least the CPU time used (each slice's rest equals the slice at 0.5).
        #expect(half.slept >= cpu * 0.9, "slept \(half.slept) s for \(cpu) s of CPU")
        #expect(wall >= cpu + half.slept * 0.9)
        var full = DutyPacer(duty: 1)
        _ = work(0.01, &full)
        #expect(full.slept == 0)
    }

    @Test("behind a backlog the pacer never sleeps; once the stream keeps up it sleeps again")
    func behindABacklog() {
        var pacer = DutyPacer(duty: 0.5)
        _ = work(0.02, &pacer, behind: true)
        #expect(pacer.slept == 0)
        let (cpu, _) = work(0.02, &pacer)
        #expect(pacer.slept >= cpu * 0.9 - 0.002, "slept \(pacer.slept) s for \(cpu) s of CPU")
    }
}
