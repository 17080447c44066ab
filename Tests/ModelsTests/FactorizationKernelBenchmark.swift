import Foundation
import Linalg
import Testing
@testable import Models

/// Timing of the per-event kernels, printed only when `STREAMREC_BENCH` is set (release build:
/// `STREAMREC_BENCH=1 swift test -c release -Xswiftc -enable-testing --filter FactorizationKernelBenchmark`).
/// Always checks that the plain loops and BLAS agree; no assertions on time.
@Suite("Kernel agreement and timing")
struct FactorizationKernelBenchmark {
    private func seconds(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    @Test("dot and axpy at d = 64: plain loops equal BLAS (timing printed with STREAMREC_BENCH)")
    func kernels() {
        let d = 64
        let a = UnsafeMutablePointer<Float>.allocate(capacity: d), b = UnsafeMutablePointer<Float>.allocate(capacity: d)
        let b2 = UnsafeMutablePointer<Float>.allocate(capacity: d)
        defer { a.deallocate(); b.deallocate(); b2.deallocate() }
        for k in 0..<d { a[k] = Float(k) * 0.01 - 0.3; b[k] = 1 - Float(k) * 0.02; b2[k] = b[k] }
        let expectedDot = (0..<d).reduce(Float(0)) { $0 + a[$1] * b[$1] }
        #expect(abs(VectorOps.dot(d, a, b) - expectedDot) <= 1e-4)
        #expect(abs(BLAS.dot(d, a, b) - expectedDot) <= 1e-4)
        VectorOps.axpy(d, 0.5, a, b)
        BLAS.axpy(d, 0.5, a, b2)
        for k in 0..<d { #expect(abs(b[k] - b2[k]) <= 1e-6 && abs(b[k] - (1 - Float(k) * 0.02 + 0.5 * a[k])) <= 1e-6) }
        guard ProcessInfo.processInfo.environment["STREAMREC_BENCH"] != nil else { return }
        let calls = 5_000_000
        let x = UnsafeMutablePointer<Float>.allocate(capacity: d), y = UnsafeMutablePointer<Float>.allocate(capacity: d)
        defer { x.deallocate(); y.deallocate() }
        for k in 0..<d { x[k] = Float(k) * 0.001; y[k] = 1 - Float(k) * 0.001 }
        var sink: Float = 0
        let loopDot = seconds { for _ in 0..<calls { sink += VectorOps.dot(d, x, y); x[0] = sink * 1e-9 } }
        let blasDot = seconds { for _ in 0..<calls { sink += BLAS.dot(d, x, y); x[0] = sink * 1e-9 } }
        let loopAxpy = seconds { for _ in 0..<calls { VectorOps.axpy(d, 1e-7, x, y) } }
        let blasAxpy = seconds { for _ in 0..<calls { BLAS.axpy(d, 1e-7, x, y) } }
        print(String(format: "BENCH dot d=64: loop %.1f ns, BLAS %.1f ns; axpy: loop %.1f ns, BLAS %.1f ns (sink %g)",
                     loopDot / Double(calls) * 1e9, blasDot / Double(calls) * 1e9,
                     loopAxpy / Double(calls) * 1e9, blasAxpy / Double(calls) * 1e9, Double(sink)))
        for feedback in [Feedback.explicit, .implicit] {
            var config = feedback == .explicit ? OnlineMFConfiguration.explicitDefaults : .implicitDefaults
            config.factors = d
            let model = OnlineMF(configuration: config)
            model.reserve(users: 10_000, items: 5_000)
            for _ in 0..<10_000 { model.addUser() }
            for _ in 0..<5_000 { model.addItem() }
            var rng = SeededGenerator(seed: 1)
            let events = 1_000_000
            let us = (0..<events).map { _ in Int32(rng.nextInt(below: 10_000)) }
            let its = (0..<events).map { _ in Int32(rng.nextInt(below: 5_000)) }
            let t = seconds { for e in 0..<events { model.update(user: us[e], item: its[e], value: 4) } }
            print(String(format: "BENCH OnlineMF.update %@ d=64 (neg %d): %.0f ns/event, %.0f events/s",
                         feedback.rawValue, config.feedback == .implicit ? config.negativeSamples : 0,
                         t / Double(events) * 1e9, Double(events) / t))
        }
    }
}
