import CoreMetrics
import Foundation
import Prometheus

/// The metrics of one citiesd: a Prometheus registry that citiesd's own metrics and CitiesPG's
/// (the pool's, the counts feed's) report into, exposed by ``MetricsEndpoint``. Each application
/// has its own, so tests do not share counts. Disabled (no metrics port), everything reports to
/// swift-metrics' no-op handler and the HTTP middleware is left out, so metrics cost nothing.
struct ServiceMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    let factory: any MetricsFactory
    let isEnabled: Bool

    /// Sub-millisecond answers (the cached ones) need buckets below 1 ms; the slowest requests are
    /// bounded by the pool and statement timeouts, seconds.
    static let latencyBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2) + .microseconds(500),
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .seconds(2) + .milliseconds(500), .seconds(5), .seconds(10),
    ]
    static let sizeBuckets: [Double] = [0, 1, 10, 100, 1_000, 10_000, 100_000]

    init(enabled: Bool = true) {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = Self.latencyBuckets
        factory.valueHistogramBuckets = ["citiespg_counts_changes_per_refresh": Self.sizeBuckets, "citiesd_ingest_batch_events": Self.sizeBuckets]
        self.factory = enabled ? factory : NOOPMetricsHandler.instance
        isEnabled = enabled
    }

    /// The exposition in Prometheus' text format.
    func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }
}
