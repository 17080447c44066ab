import Foundation

/// Time-decayed interaction counts per item, for users with too few events of their own.
///
/// Each count is stored as `value × 2^((t − origin)/halfLife)` so that decay needs no per-item
/// update: ranking at any time compares the stored values directly. The origin is moved forward
/// (and all values rescaled) before the exponent can overflow.
public struct PopularityTracker: Sendable {
    /// Half-life of a count, in milliseconds of event time.
    public let halfLifeMs: Double
    private(set) var scaled: [Float] = []
    private var originMs: Int64?
    /// The scale of the last timestamp recorded (events often share one): `2^exponent` as a Float.
    private var lastTimestampMs: Int64?
    private var lastScale: Float = 0

    /// Creates an empty tracker.
    public init(halfLifeSeconds: Double) {
        halfLifeMs = max(1, halfLifeSeconds * 1000)
    }

    /// Number of items tracked.
    public var count: Int { scaled.count }

    /// Adds room for a new item.
    public mutating func addItem() { scaled.append(0) }

    /// Records `weight` for `item` at `timestampMs`.
    public mutating func record(item: Int32, weight: Float, timestampMs: Int64) {
        if timestampMs == lastTimestampMs {
            scaled[Int(item)] += weight * lastScale
            return
        }
        let origin = originMs ?? timestampMs
        if originMs == nil { originMs = timestampMs }
        var exponent = Double(timestampMs - origin) / halfLifeMs
        if exponent > 60 {
            // Rebase: divide everything by 2^exponent and move the origin to now.
            let factor = Float(exp2(-exponent))
            for i in scaled.indices { scaled[i] *= factor }
            originMs = timestampMs
            exponent = 0
        }
        lastTimestampMs = timestampMs
        lastScale = Float(exp2(max(exponent, -60)))
        scaled[Int(item)] += weight * lastScale
    }

    /// Relative popularity scores (comparable with each other, not across rebases).
    public func withScores<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try scaled.withUnsafeBufferPointer(body)
    }

    /// Decayed count of `item` at `timestampMs`.
    public func count(of item: Int32, at timestampMs: Int64) -> Double {
        guard let originMs, Int(item) < scaled.count else { return 0 }
        return Double(scaled[Int(item)]) * exp2(-Double(timestampMs - originMs) / halfLifeMs)
    }

    /// The stored values and origin, for checkpoints.
    public var state: (values: [Float], originMs: Int64?) { (scaled, originMs) }

    /// Restores values and origin from a checkpoint.
    public mutating func restore(values: [Float], originMs: Int64?) {
        scaled = values
        self.originMs = originMs
        lastTimestampMs = nil
    }
}
