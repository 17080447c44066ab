/// Scratch buffers for `BiGRUSessionModel.encode`, allocated once and reused for every event.
///
/// Keep one per thread: a workspace must not be used by two threads at the same time.
/// It sizes itself for the first model it is used with and grows if a larger one comes.
public struct SessionWorkspace: Sendable {
    private var buffers: Buffers

    /// Creates a workspace sized for models with `configuration`'s shape.
    public init(configuration: SessionModelConfiguration) {
        buffers = Buffers(SessionParameterLayout(configuration), window: configuration.windowLength)
    }

    /// The buffers, regrown when `layout` needs more room than the current ones have.
    mutating func storage(for layout: SessionParameterLayout, window: Int) -> Buffers {
        if !buffers.fits(layout, window: window) {
            buffers = Buffers(layout, window: max(buffers.window, window))
        }
        return buffers
    }

    /// Raw scratch storage; one allocation per buffer for the workspace's lifetime.
    final class Buffers: @unchecked Sendable {
        let window: Int
        let hidden: Int
        let inputDim: Int
        let stateDim: Int
        let x: UnsafeMutablePointer<Float>
        let gx: UnsafeMutablePointer<Float>
        let gh: UnsafeMutablePointer<Float>
        let gates: UnsafeMutablePointer<Float>
        let ghn: UnsafeMutablePointer<Float>
        let hNext: UnsafeMutablePointer<Float>
        let state: UnsafeMutablePointer<Float>
        let items: UnsafeMutablePointer<Int32>
        let types: UnsafeMutablePointer<UInt8>
        let gaps: UnsafeMutablePointer<UInt8>

        init(_ l: SessionParameterLayout, window: Int) {
            self.window = window
            hidden = l.hidden
            inputDim = l.inputDim
            stateDim = 2 * l.hidden
            func floats(_ n: Int) -> UnsafeMutablePointer<Float> {
                let p = UnsafeMutablePointer<Float>.allocate(capacity: max(n, 1))
                p.initialize(repeating: 0, count: max(n, 1))
                return p
            }
            x = floats(window * l.inputDim)
            gx = floats(window * 3 * l.hidden)
            gh = floats(3 * l.hidden)
            gates = floats(3 * l.hidden)
            ghn = floats(l.hidden)
            hNext = floats(l.hidden)
            state = floats(2 * l.hidden)
            items = .allocate(capacity: window)
            items.initialize(repeating: -1, count: window)
            types = .allocate(capacity: window)
            types.initialize(repeating: 0, count: window)
            gaps = .allocate(capacity: window)
            gaps.initialize(repeating: 0, count: window)
        }

        func fits(_ l: SessionParameterLayout, window w: Int) -> Bool {
            l.hidden == hidden && l.inputDim <= inputDim && w <= window
        }

        deinit {
            for p in [x, gx, gh, gates, ghn, hNext, state] { p.deallocate() }
            items.deallocate()
            types.deallocate()
            gaps.deallocate()
        }
    }
}
