import CitiesCore
import CitiesPG
import Foundation
import Testing

/// Real city names: they repeat, come in every script and go by several names.
@Suite struct RealCitiesContractTests {
    @Test(arguments: Implementation.allCases)
    func searchSplitsTermsAndLooksInEveryName(_ implementation: Implementation) async throws {
        try await implementation.withRepository { store in
            func city(_ name: String, _ country: String, region: String?, alternateNames: [String] = []) async throws -> Int64 {
                try await store.create(CityDraft(name: name, countryCode: country, region: region, timezone: "Etc/UTC", alternateNames: alternateNames)).id
            }
            let berlin = try await city("Berlin", "DE", region: "Land Berlin")
            let cologne = try await city("Köln", "DE", region: "North Rhine-Westphalia", alternateNames: ["Cologne", "Colonia Agrippina"])
            let munich = try await city("München", "DE", region: "Bavaria", alternateNames: ["Munich", "Monaco di Baviera"])
            let moscow = try await city("Moscow", "RU", region: "Moscow", alternateNames: ["Москва", "Moskva"])
            let tokyo = try await city("Tokyo", "JP", region: nil, alternateNames: ["東京", "Tōkyō"])
            func ids(_ search: String) async throws -> Set<Int64> {
                Set(try await store.list(CityListQuery(search: search), now: referenceNow).results.map(\.city.id))
            }
            #expect(try await ids("Москва") == [moscow])
            #expect(try await ids("москва") == [moscow], "case-insensitive in any script")
            #expect(try await ids("東京") == [tokyo])
            #expect(try await ids("tokyo") == [tokyo], "accents folded: Tōkyō")
            #expect(try await ids("Köln") == [cologne])
            #expect(try await ids("cologne") == [cologne])
            #expect(try await ids("München") == [munich])
            #expect(try await ids("munich") == [munich])
            #expect(try await ids("ber lin") == [berlin], "every term must match; terms may match the same name")
            #expect(try await ids("westphalia") == [cologne], "the region is searched")
            #expect(try await ids("koln, westphalia") == [cologne], "commas separate terms too")
            #expect(try await ids("munich westphalia") == [], "each term must match")
            #expect(try await ids("nchen-ba") == [], "a term does not match across two names")
            #expect(try await ids("dusseldorf").isEmpty)
            #expect(try await ids("  ").count == 5, "a blank search filters nothing")
        }
    }

    @Test(arguments: Implementation.allCases)
    func derivedSlugsNeverBlockAValidCity(_ implementation: Implementation) async throws {
        try await implementation.withRepository { store in
            func create(_ name: String, _ country: String, region: String? = nil, slug: String? = nil) async throws -> String {
                try await store.create(CityDraft(slug: slug, name: name, countryCode: country, region: region, timezone: "America/New_York")).slug
            }
            #expect(try await create("Richmond", "US", region: "Virginia") == "richmond")
            #expect(try await create("Richmond", "US", region: "California") == "richmond-california")
            #expect(try await create("Richmond", "CA", region: "British Columbia") == "richmond-british-columbia")
            #expect(try await create("Richmond", "US", region: "California") == "richmond-us")
            #expect(try await create("Richmond", "US", region: "California") == "richmond-california-us")
            #expect(try await create("Richmond", "US", region: "California") == "richmond-california-us-2")
            #expect(try await create("Москва", "RU") == "moskva")
            #expect(try await create("東京", "JP") == "dong-jing")
            await #expect(throws: ValidationErrors(["slug": [CityMessages.duplicateSlug]])) {
                try await create("Richmond", "US", slug: "richmond")
            }
            let city = try await store.create(CityDraft(name: "Naga", countryCode: "PH", timezone: "Asia/Manila"))
            let renamed = try await store.update(id: city.id, with: CityDraft(name: "Naga City", countryCode: "PH", timezone: "Asia/Manila"))
            #expect(renamed?.slug == "naga", "an update without a slug keeps the city's")
            let found = try await store.list(CityListQuery(search: "naga city"), now: referenceNow).results.map(\.city.id)
            #expect(found == [city.id], "the search document follows the new name")
        }
    }

    /// Creates racing for the same name each get a different slug, none fails.
    @Test func concurrentCreatesOfOneNameAllSucceedWithDistinctSlugs() async throws {
        try await withTestPool(maxConnections: 8, migrated: true) { pool in
            let store = PostgresCitiesStore(pool: pool)
            let slugs = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<24 {
                    group.addTask {
                        try await store.create(CityDraft(name: "Springfield", countryCode: "US", region: "Illinois", timezone: "America/Chicago")).slug
                    }
                }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            let expected = Array(Slug.candidates(name: "Springfield", region: "Illinois", countryCode: "US").prefix(24))
            #expect(Set(slugs) == Set(expected), "the first 24 candidates, each once")
        }
    }
}
