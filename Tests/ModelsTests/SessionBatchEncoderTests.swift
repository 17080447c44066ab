import Linalg
import Testing
@testable import Models

@Suite("Batched session encoding for serving")
struct SessionBatchEncoderTests {
    /// A window of `length` steps with mixed types and gaps (some timestamps missing).
    func window(_ c: SessionModelConfiguration, length: Int, seed: UInt64) -> SessionWindow {
        var rng = SeededGenerator(seed: seed)
        var w = SessionWindow(capacity: c.windowLength)
        var t: Int64 = 1_000_000
        for k in 0..<length {
            t += Int64(rng.nextInt(below: 5_000_000))
            w.append(SessionStep(item: Int32(rng.nextInt(below: c.itemCount)), type: UInt8(rng.nextInt(below: c.typeCount)),
                                 timestampMs: k % 7 == 3 ? nil : t))
        }
        return w
    }

    func direct(_ model: BiGRUSessionModel, _ w: SessionWindow) -> [Float] {
        var workspace = SessionWorkspace(configuration: model.configuration)
        var out = [Float](repeating: 0, count: model.sessionDimension)
        out.withUnsafeMutableBufferPointer { model.encode(window: w, workspace: &workspace, into: $0.baseAddress!) }
        return out
    }

    @Test("vectors match the per-window encode for every window length: both directions, a one- and a two-step backward direction, forward only",
          arguments: [(false, 0), (false, 1), (false, 2), (true, 0)])
    func matchesEncode(forwardOnly: Bool, backwardSteps: Int) throws {
        let c = SessionModelConfiguration(itemCount: 50, embeddingDimension: 16, hiddenSize: 12, windowLength: 6,
                                          forwardOnly: forwardOnly, backwardSteps: backwardSteps, seed: 3)
        let model = try BiGRUSessionModel(configuration: c)
        let encoder = SessionBatchEncoder(model: model)
        // More windows than one chunk, of every length from empty to longer than the window.
        let windows = (0..<(SessionBatchEncoder.chunk + 9)).map { window(c, length: $0 % 11, seed: UInt64($0)) }
        var got: [[Float]] = []
        var start = 0
        while start < windows.count {
            let end = min(windows.count, start + SessionBatchEncoder.chunk)
            for w in windows[start..<end] { encoder.load(w) }
            encoder.encode()
            for r in 0..<(end - start) { got.append(Array(UnsafeBufferPointer(start: encoder.vector(r), count: c.embeddingDimension))) }
            start = end
        }
        var worst: Float = 0
        for (w, v) in zip(windows, got) {
            let want = direct(model, w)
            for j in want.indices { worst = max(worst, abs(want[j] - v[j]) / max(1, abs(want[j]))) }
        }
        #expect(worst < 2e-5, "largest relative difference \(worst)")
        // The empty window gives the projection bias exactly, as encode does.
        #expect(got[0] == direct(model, windows[0]))
        #expect(got[0] != got[1])
    }

    @Test("a window gives the same bits in a given row whatever windows share its chunk, and the same vector within rounding in any row")
    func independentOfChunk() throws {
        let c = SessionModelConfiguration(itemCount: 200, embeddingDimension: 32, hiddenSize: 24, windowLength: 20, seed: 5)
        let model = try BiGRUSessionModel(configuration: c)
        let encoder = SessionBatchEncoder(model: model)
        let target = window(c, length: 20, seed: 99)
        encoder.load(target)
        encoder.encode()
        let alone = Array(UnsafeBufferPointer(start: encoder.vector(0), count: 32))
        for row in [0, 5, 13, SessionBatchEncoder.chunk - 1] {
            // OpenBLAS rounds a row's products by where the row sits in the call (its kernels
            // unroll rows in blocks), so bits are pinned per row, not across rows.
            var first: [Float]?
            for seed in [UInt64(1), 2, 3] {
                var r = -1
                for k in 0..<SessionBatchEncoder.chunk {
                    if k == row { r = encoder.load(target) } else { encoder.load(window(c, length: 1 + (k + Int(seed)) % 20, seed: seed &* 100 &+ UInt64(k))) }
                }
                encoder.encode()
                let v = Array(UnsafeBufferPointer(start: encoder.vector(r), count: 32))
                if let first { #expect(v == first, "row \(row), others \(seed)") } else { first = v }
                #expect(zip(v, alone).allSatisfy { abs($0 - $1) <= 1e-6 * max(1, abs($1)) }, "row \(row)")
            }
        }
    }

    @Test("input tables hold item·Wx + bx, type·Wx and gap·Wx rows for each direction")
    func tableSize() throws {
        let c = SessionModelConfiguration(itemCount: 40, embeddingDimension: 8, hiddenSize: 4, windowLength: 5,
                                          typeCount: 4, gapBucketCount: 20)
        let encoder = SessionBatchEncoder(model: try BiGRUSessionModel(configuration: c))
        #expect(encoder.tableBytes == 2 * (40 + 4 + 20) * 12 * 4)
    }

    @Test("a carried forward state and the steps appended since give the vector of the whole window while no step has left it",
          arguments: [0, 1])
    func carriedMatchesScratch(backwardSteps: Int) throws {
        let c = SessionModelConfiguration(itemCount: 60, embeddingDimension: 16, hiddenSize: 12, windowLength: 8,
                                          backwardSteps: backwardSteps, seed: 4)
        let model = try BiGRUSessionModel(configuration: c)
        let encoder = SessionBatchEncoder(model: model)
        let full = window(c, length: 8, seed: 21).steps
        // Users grow their windows step by step (1, 2 or 3 steps between encodings); each chunk
        // row carries the state of its previous encoding.
        var states = (0..<5).map { _ in SessionState(model: model) }
        var worst: Float = 0
        var carried = 0
        for round in 0..<4 {
            for (u, _) in states.enumerated() {
                let add = 1 + (u + round) % 3
                for _ in 0..<add where states[u].window.count < full.count {
                    states[u].append(full[states[u].window.count])
                }
            }
            for (u, state) in states.enumerated() {
                if state.carriesForward {
                    carried += 1
                    state.forwardHidden.withUnsafeBufferPointer {
                        _ = encoder.load(state.window, carried: $0.baseAddress!, pending: state.pendingSteps)
                    }
                } else {
                    #expect(encoder.load(state.window) == u)
                }
            }
            encoder.encode()
            for u in states.indices {
                states[u].store(vector: encoder.vector(u), forwardHidden: encoder.forwardHidden(u), hidden: c.hiddenSize)
                let want = direct(model, states[u].window)
                for j in want.indices { worst = max(worst, abs(want[j] - states[u].vector[j]) / max(1, abs(want[j]))) }
            }
        }
        #expect(carried == 15, "every state after the first round carries its forward state")
        #expect(worst < 2e-5, "largest relative difference \(worst)")
    }

    @Test("once steps have left the window the carried vector reflects them; more steps than the window holds start over")
    func carriedBeyondWindow() throws {
        let c = SessionModelConfiguration(itemCount: 60, embeddingDimension: 16, hiddenSize: 12, windowLength: 4,
                                          backwardSteps: 1, seed: 6)
        let model = try BiGRUSessionModel(configuration: c)
        let encoder = SessionBatchEncoder(model: model)
        let steps = window(c, length: 4, seed: 8).steps + window(c, length: 4, seed: 9).steps
        var state = SessionState(model: model)
        for step in steps.prefix(4) { state.append(step) }
        encoder.load(state.window)
        encoder.encode()
        state.store(vector: encoder.vector(0), forwardHidden: encoder.forwardHidden(0), hidden: c.hiddenSize)
        // One more step: the forward state has read five steps, the window holds four.
        state.append(steps[4])
        #expect(state.carriesForward && state.pendingSteps == 1)
        state.forwardHidden.withUnsafeBufferPointer { _ = encoder.load(state.window, carried: $0.baseAddress!, pending: 1) }
        encoder.encode()
        let carried = Array(UnsafeBufferPointer(start: encoder.vector(0), count: c.embeddingDimension))
        let scratch = direct(model, state.window)
        #expect(zip(carried, scratch).contains { abs($0 - $1) > 1e-4 })
        state.store(vector: encoder.vector(0), forwardHidden: encoder.forwardHidden(0), hidden: c.hiddenSize)
        // Five steps appended before the next encoding: one left the window unread, so the state starts over.
        for step in steps[3..<8] { state.append(step) }
        #expect(!state.carriesForward)
        state.append(steps[0])
        #expect(!state.carriesForward)
        // A new model flags the state for a whole-window encode as well.
        var fresh = SessionState(model: model)
        fresh.append(steps[0])
        fresh.store(vector: encoder.vector(0), forwardHidden: encoder.forwardHidden(0), hidden: c.hiddenSize)
        fresh.invalidate()
        #expect(!fresh.carriesForward && fresh.needsEncoding)
    }
}
