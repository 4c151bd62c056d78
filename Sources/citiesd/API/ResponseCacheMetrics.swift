import CoreMetrics

/// What the ``RepresentationCache`` reports: lookups by result (`hit`: a kept answer, `miss`: a
/// render, `shared`: waited for a render in flight), evictions, and the answers and bytes kept.
struct ResponseCacheMetrics: Sendable {
    enum Lookup: String {
        case hit, miss, shared
    }

    private let hits: Counter
    private let misses: Counter
    private let shared: Counter
    private let evictions: Counter
    private let entries: Gauge
    private let bytes: Gauge

    init(factory: any MetricsFactory) {
        func lookups(_ result: Lookup) -> Counter {
            Counter(label: "citiesd_response_cache_lookups_total", dimensions: [("result", result.rawValue)], factory: factory)
        }
        hits = lookups(.hit)
        misses = lookups(.miss)
        shared = lookups(.shared)
        evictions = Counter(label: "citiesd_response_cache_evictions_total", factory: factory)
        entries = Gauge(label: "citiesd_response_cache_entries", factory: factory)
        bytes = Gauge(label: "citiesd_response_cache_bytes", factory: factory)
    }

    func looked(_ result: Lookup) {
        switch result {
        case .hit: hits.increment()
        case .miss: misses.increment()
        case .shared: shared.increment()
        }
    }

    /// Called with the cache locked, after it changed.
    func kept(entries: Int, bytes: Int, evicted: Int) {
        self.entries.record(entries)
        self.bytes.record(bytes)
        if evicted > 0 { evictions.increment(by: evicted) }
    }
}
