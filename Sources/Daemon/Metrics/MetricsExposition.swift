import Prometheus

/// Renders the registry in the Prometheus text format, refreshing the process gauges
/// (resident and virtual memory) first, so they are current at scrape time.
public final class MetricsExposition: Sendable {
    /// The registry rendered.
    public let registry: PrometheusCollectorRegistry
    private let resident: Gauge
    private let virtual: Gauge

    /// Wraps `registry` and registers the process memory gauges in it.
    public init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        resident = registry.makeGauge(descriptor: MetricNameDescriptor(
            namespace: "process", metricName: "resident_memory", unitName: "bytes",
            helpText: "Resident set size of the process"))
        virtual = registry.makeGauge(descriptor: MetricNameDescriptor(
            namespace: "process", metricName: "virtual_memory", unitName: "bytes",
            helpText: "Virtual memory size of the process"))
    }

    /// The exposition text (`text/plain; version=0.0.4`).
    public func render() -> [UInt8] {
        if let memory = ProcessMemory.current() {
            resident.set(Double(memory.residentBytes))
            virtual.set(Double(memory.virtualBytes))
        }
        return registry.emitToBuffer()
    }

    /// Content type of `render()`'s output.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"
}
