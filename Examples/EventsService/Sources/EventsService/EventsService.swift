import CitiesCore
import CitiesPG
import Foundation

/// What an events service needs from citiesd's libraries: the cities schema, the cities it
/// publishes events in, event ingest, and the per-city counts the search page shows.
public struct EventsService: Sendable {
    public let pool: PGPool
    private let store: PostgresCitiesStore

    public init(database: PGConfiguration) {
        pool = PGPool(configuration: PGPoolConfiguration(connection: database, maxConnections: 4))
        store = PostgresCitiesStore(pool: pool)
    }

    /// Applies the cities schema's pending migrations and returns the files it applied.
    public func migrate() async throws -> [String] {
        try await pool.withConnection { connection in
            try MigrationRunner(migrations: try Migration.bundled()).migrate(on: connection).map(\.fileName)
        }
    }

    public func addCity(_ draft: CityDraft) async throws -> City {
        try await store.create(draft)
    }

    /// Creates or updates events by their external id, in one batch.
    public func ingest(_ events: [Event]) async throws -> UpsertSummary {
        try await store.upsert(events)
    }

    /// Every active city with the number of its scheduled events that are not over at `now`.
    public func eventCounts(now: Date = Date()) async throws -> [CityEventCount] {
        try await store.eventCounts(EventCountFilter(), countryCode: nil, now: now)
    }

    public func shutdown() async {
        await pool.close()
    }
}
