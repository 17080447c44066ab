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
    /// The part of each value already shared with other instances (same scale as the values;
    /// nil: not shared). What a value holds beyond it is this instance's own, not yet sent.
    private var shared: [Float]?

    /// Creates an empty tracker.
    public init(halfLifeSeconds: Double) {
        halfLifeMs = max(1, halfLifeSeconds * 1000)
    }

    /// Number of items tracked.
    public var count: Int { scaled.count }

    /// Adds room for a new item.
    public mutating func addItem() {
        scaled.append(0)
        shared?.append(0)
    }

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
            rebase(to: timestampMs)
            exponent = 0
        }
        lastTimestampMs = timestampMs
        lastScale = Float(exp2(max(exponent, -60)))
        scaled[Int(item)] += weight * lastScale
    }

    /// Divides every value by `2^((newOrigin − origin)/halfLife)` and moves the origin there.
    private mutating func rebase(to newOrigin: Int64) {
        guard let origin = originMs else { originMs = newOrigin; return }
        let factor = Float(exp2(-Double(newOrigin - origin) / halfLifeMs))
        for i in scaled.indices { scaled[i] *= factor }
        if shared != nil { for i in shared!.indices { shared![i] *= factor } }
        originMs = newOrigin
        lastTimestampMs = nil
    }

    /// Starts keeping apart what is shared with other instances: everything held now counts as
    /// shared.
    public mutating func startSharing() {
        if shared == nil { shared = scaled }
    }

    /// What `item` gained here since it was last taken, in this tracker's scale (read it with
    /// `originMs`), and marks it as shared. 0 when not sharing.
    public mutating func takeUnshared(item: Int32) -> Float {
        guard shared != nil, Int(item) < scaled.count else { return 0 }
        let i = Int(item)
        let delta = scaled[i] - shared![i]
        shared![i] = scaled[i]
        return delta
    }

    /// Adds `delta`, a gain of `item` that another instance took at its origin `originMs`
    /// (its scale), as shared.
    public mutating func addShared(item: Int32, delta: Float, originMs sender: Int64) {
        guard Int(item) < scaled.count, delta != 0 else { return }
        if originMs == nil { originMs = sender }
        var exponent = Double(sender - originMs!) / halfLifeMs
        if exponent > 60 {
            rebase(to: sender)
            exponent = 0
        }
        let scaledDelta = delta * Float(exp2(max(exponent, -60)))
        scaled[Int(item)] += scaledDelta
        shared?[Int(item)] += scaledDelta
    }

    /// The origin of the values' scale (nil before the first event).
    public var origin: Int64? { originMs }

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
        if shared != nil { shared = values }
    }
}
