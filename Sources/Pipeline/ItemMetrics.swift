import CoreMetrics
import Engine
import Metrics

/// The item topic's metrics (gauges set once a second with the others):
/// `streamrec_item_records` (records applied since start, tombstones included),
/// `streamrec_items_unavailable`, `streamrec_items_side_vectors` (cold items whose vector comes
/// from their attributes or embedding) and `streamrec_item_catch_up_seconds` (the initial read).
struct ItemMetrics {
    let records: Gauge
    let unavailable: Gauge
    let sideVectors: Gauge
    let catchUpSeconds: Gauge

    /// Creates them in `factory`.
    init(factory: any MetricsFactory) {
        records = Gauge(label: "streamrec_item_records", factory: factory)
        unavailable = Gauge(label: "streamrec_items_unavailable", factory: factory)
        sideVectors = Gauge(label: "streamrec_items_side_vectors", factory: factory)
        catchUpSeconds = Gauge(label: "streamrec_item_catch_up_seconds", factory: factory)
    }

    /// Sets the gauges from the stats and the catalog (call with the pipeline's lock held).
    func record(stats: PipelineStats, catalog: ItemCatalog) {
        records.record(stats.itemRecords)
        unavailable.record(catalog.unavailableCount)
        sideVectors.record(catalog.sideVectorCount)
        catchUpSeconds.record(stats.itemRestoreSeconds)
    }
}
