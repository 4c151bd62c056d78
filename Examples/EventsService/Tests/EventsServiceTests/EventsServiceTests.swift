import CitiesCore
import CitiesPG
import CitiesPGTesting
import EventsService
import Foundation
import Testing

@Suite struct EventsServiceTests {
    @Test func migratesIngestsAndCounts() async throws {
        let service = EventsService(database: try await EmbeddedPostgres.makeTestDatabase())
        let applied = try await service.migrate()
        #expect(applied.first == "0001_initial_schema.sql")
        #expect(try await service.migrate().isEmpty, "a second run applies nothing")

        let bonn = try await service.addCity(CityDraft(name: "Bonn", countryCode: "DE", timezone: "Europe/Berlin"))
        let lyon = try await service.addCity(CityDraft(name: "Lyon", countryCode: "FR", timezone: "Europe/Paris"))
        #expect(bonn.slug == "bonn", "the store derives the slug when none is given")

        let now = Date()
        let soon = now.addingTimeInterval(3_600), later = now.addingTimeInterval(7_200)
        let events = [
            Event(externalID: "concert-1", cityID: bonn.id, category: "music", startsAt: soon, endsAt: later),
            Event(externalID: "concert-2", cityID: bonn.id, category: "music", startsAt: soon, endsAt: later),
            Event(externalID: "talk-1", cityID: lyon.id, category: "talks", startsAt: soon, endsAt: later),
            Event(externalID: "past-1", cityID: lyon.id, category: "talks", startsAt: now.addingTimeInterval(-7_200), endsAt: now.addingTimeInterval(-3_600)),
        ]
        let first = try await service.ingest(events)
        #expect(first == UpsertSummary(created: 4))

        var cancelled = events[1]
        cancelled.status = .cancelled
        let second = try await service.ingest([events[0], cancelled])
        #expect(second == UpsertSummary(updated: 1, unchanged: 1))

        let counts = try await service.eventCounts(now: now)
        #expect(counts.map(\.name) == ["Bonn", "Lyon"])
        #expect(counts.map(\.eventCount) == [1, 1], "the cancelled and the past event are not counted")
        await service.shutdown()
    }

    @Test func databaseErrorsAreDescribedWhicheverClientMadeThem() async throws {
        let service = EventsService(database: try await EmbeddedPostgres.makeTestDatabase())
        let error = await #expect(throws: PGError.self) {
            try await service.pool.withConnection { try $0.query("SELECT 1 / $1", [0]) }
        }
        #expect(DatabaseErrorDescription.sqlState(of: try #require(error)) == "22012", "division by zero")
        await service.shutdown()
    }
}
