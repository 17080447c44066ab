import Metrics
import Prometheus

/// Installs the Prometheus backend behind the swift-metrics facade, once per process.
///
/// `MetricsSystem.bootstrap` may run only once in a process, so every caller (the daemon, the
/// bench, tests) goes through `prometheus()`, which bootstraps on first use and afterwards
/// returns the same registry.
public enum MetricsBootstrap {
    /// The registry every facade metric of this process lands in.
    public static func prometheus() -> PrometheusCollectorRegistry { installed }

    /// A factory of facade metrics that land in `registry`, with the project's histogram
    /// buckets (what `prometheus()` installs; a test gives a pipeline its own registry this way).
    public static func factory(for registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets = durationBuckets
        return factory
    }

    private static let installed: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(factory(for: registry))
        return registry
    }()

    /// Histogram buckets per timer: per-event updates take microseconds, refresh rounds and
    /// checkpoints milliseconds to seconds (the library default starts at 5 ms).
    static let durationBuckets: [String: [Duration]] = [
        "streamrec_update_seconds": [.nanoseconds(500), .microseconds(1), .microseconds(2), .microseconds(5),
                                     .microseconds(10), .microseconds(20), .microseconds(50),
                                     .microseconds(100), .microseconds(500), .milliseconds(1), .milliseconds(10)],
        "streamrec_refresh_seconds": [.microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
                                      .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                                      .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1)],
        "streamrec_checkpoint_seconds": [.milliseconds(1), .milliseconds(10), .milliseconds(50), .milliseconds(100),
                                         .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2),
                                         .seconds(5), .seconds(10), .seconds(30)],
    ]
}
