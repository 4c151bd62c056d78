import CitiesCore
import CoreMetrics

/// What `PUT P/events/` reports: events created, updated and unchanged, and the batch sizes.
struct IngestMetrics: Sendable {
    private let created: Counter
    private let updated: Counter
    private let unchanged: Counter
    private let batchSize: Recorder

    init(factory: any MetricsFactory) {
        func events(_ outcome: String) -> Counter {
            Counter(label: "citiesd_ingest_events_total", dimensions: [("outcome", outcome)], factory: factory)
        }
        created = events("created")
        updated = events("updated")
        unchanged = events("unchanged")
        batchSize = Recorder(label: "citiesd_ingest_batch_events", aggregate: true, factory: factory)
    }

    func upserted(batch: Int, _ summary: UpsertSummary) {
        batchSize.record(batch)
        created.increment(by: summary.created)
        updated.increment(by: summary.updated)
        unchanged.increment(by: summary.unchanged)
    }
}
