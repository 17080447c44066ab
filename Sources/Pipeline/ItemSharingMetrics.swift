import CoreMetrics
import Engine
import Metrics

/// Item-state sharing's metrics (set once a second with the others, from the core's counts):
/// `streamrec_item_updates_sent_total`, `…_sent_items_total`, `…_sent_bytes_total` (this
/// instance's messages), `streamrec_item_updates_received_total`, `…_received_items_total`,
/// `…_received_bytes_total` (other instances' messages applied),
/// `streamrec_item_updates_skipped_total` (own or repeated), and
/// `streamrec_item_update_age_seconds`: wall-clock age of the newest applied message (−1 before
/// the first). Items known are `streamrec_items`.
struct ItemSharingMetrics {
    private let sent: Counter
    private let sentItems: Counter
    private let sentBytes: Counter
    private let received: Counter
    private let receivedItems: Counter
    private let receivedBytes: Counter
    private let skipped: Counter
    private let age: Gauge
    private var last = ItemShareStatistics()

    /// Creates them in `factory`.
    init(factory: any MetricsFactory) {
        sent = Counter(label: "streamrec_item_updates_sent_total", factory: factory)
        sentItems = Counter(label: "streamrec_item_updates_sent_items_total", factory: factory)
        sentBytes = Counter(label: "streamrec_item_updates_sent_bytes_total", factory: factory)
        received = Counter(label: "streamrec_item_updates_received_total", factory: factory)
        receivedItems = Counter(label: "streamrec_item_updates_received_items_total", factory: factory)
        receivedBytes = Counter(label: "streamrec_item_updates_received_bytes_total", factory: factory)
        skipped = Counter(label: "streamrec_item_updates_skipped_total", factory: factory)
        age = Gauge(label: "streamrec_item_update_age_seconds", factory: factory)
    }

    /// Moves the counters on by what `now` adds to the last reading, and sets the age.
    mutating func record(_ now: ItemShareStatistics, wallClockMs: Int64) {
        sent.increment(by: Int(now.batchesSent - last.batchesSent))
        sentItems.increment(by: Int(now.itemsSent - last.itemsSent))
        sentBytes.increment(by: Int(now.bytesSent - last.bytesSent))
        received.increment(by: Int(now.batchesApplied - last.batchesApplied))
        receivedItems.increment(by: Int(now.itemsApplied - last.itemsApplied))
        receivedBytes.increment(by: Int(now.bytesApplied - last.bytesApplied))
        skipped.increment(by: Int(now.batchesSkipped - last.batchesSkipped))
        age.record(now.newestAppliedSentAtMs.map { Double(wallClockMs - $0) / 1000 } ?? -1)
        last = now
    }
}
