import CoreMetrics

/// What a ``LiveCitiesStore`` reports through swift-metrics: when the counts were last refreshed
/// (alert on `time() - citiespg_counts_refreshed_timestamp_seconds`), refreshes, failures and
/// reloads, change-log rows applied, the state's version, how many events it knows end within the
/// look-ahead, and, when it listens for changes, whether its session does now.
struct LiveCountsMetrics: Sendable {
    private let refreshedAt: Gauge
    private let refreshes: Counter
    private let failures: Counter
    private let reloads: Counter
    private let changes: Counter
    private let changesPerRefresh: Recorder
    private let version: Gauge
    private let lookahead: Gauge
    private let listening: Gauge?

    init(factory: any MetricsFactory, listens: Bool) {
        refreshedAt = Gauge(label: "citiespg_counts_refreshed_timestamp_seconds", factory: factory)
        refreshes = Counter(label: "citiespg_counts_refreshes_total", factory: factory)
        failures = Counter(label: "citiespg_counts_refresh_failures_total", factory: factory)
        reloads = Counter(label: "citiespg_counts_reloads_total", factory: factory)
        changes = Counter(label: "citiespg_counts_changes_applied_total", factory: factory)
        changesPerRefresh = Recorder(label: "citiespg_counts_changes_per_refresh", aggregate: true, factory: factory)
        version = Gauge(label: "citiespg_counts_version", factory: factory)
        lookahead = Gauge(label: "citiespg_counts_lookahead_events", factory: factory)
        listening = listens ? Gauge(label: "citiespg_counts_listening", factory: factory) : nil
        listening?.record(0)
    }

    func refreshed(at time: Double, changeRows: Int, reloaded: Bool, version: UInt64, lookaheadEvents: Int) {
        refreshes.increment()
        if reloaded { reloads.increment() }
        changes.increment(by: changeRows)
        changesPerRefresh.record(changeRows)
        self.version.record(Double(version))
        lookahead.record(lookaheadEvents)
        refreshedAt.record(time)
    }

    func refreshFailed() {
        failures.increment()
    }

    func listening(_ isListening: Bool) {
        listening?.record(isListening ? 1 : 0)
    }
}
