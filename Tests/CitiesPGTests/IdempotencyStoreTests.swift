import CitiesCore
import CitiesPG
import Foundation
import Testing

@Suite struct IdempotencyStoreTests {
    static let owner = [UInt8](repeating: 7, count: 32)

    static func key(_ value: String, fingerprint: UInt8 = 1, lifetime: Duration = .seconds(3600)) -> IdempotencyKey {
        IdempotencyKey(owner: owner, value: value, fingerprint: [UInt8](repeating: fingerprint, count: 32), lifetime: lifetime)
    }

    static func count(_ pool: PGPool, _ sql: String) async throws -> Int64 {
        try await pool.withConnection { try $0.query(sql).first!.decode(Int64.self, at: 0) }
    }

    @Test func keepsTheFirstAnswerPerKeyAndTellsAnotherRequestApart() async throws {
        try await withTestPool(migrated: true) { pool in
            let store = PostgresIdempotencyStore(pool: pool)
            let first = StoredResponse(status: 201, location: "http://localhost/ws/cities/1/", contentType: "application/json", body: Array("{}".utf8))
            #expect(try await store.keptAnswer(for: Self.key("a")) == nil)
            try await store.save(first, for: Self.key("a"))
            try await store.save(StoredResponse(status: 400), for: Self.key("a"))
            #expect(try await store.keptAnswer(for: Self.key("a")) == .replay(first))
            #expect(try await store.keptAnswer(for: Self.key("a", fingerprint: 2)) == .otherRequest)
            var otherOwner = Self.key("a")
            otherOwner.owner = [UInt8](repeating: 8, count: 32)
            #expect(try await store.keptAnswer(for: otherOwner) == nil)
            #expect(try await Self.count(pool, "SELECT extract(epoch FROM expires_at - created_at)::int8 FROM idempotency_keys") == 3600)
        }
    }

    @Test func expiredAnswersAreIgnoredReplacedAndPrunedInBatches() async throws {
        try await withTestPool(migrated: true) { pool in
            var configuration = PostgresIdempotencyStore.Configuration()
            configuration.pruneBatchSize = 10
            let store = PostgresIdempotencyStore(pool: pool, configuration: configuration)
            for index in 0..<25 { try await store.save(StoredResponse(status: 200), for: Self.key("k\(index)")) }
            try await pool.withConnection { _ = try $0.query("UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key NOT IN ('k0', 'k1')") }

            #expect(try await store.keptAnswer(for: Self.key("k0")) == .replay(StoredResponse(status: 200)))
            #expect(try await store.keptAnswer(for: Self.key("k2")) == nil, "expired, not yet pruned")
            try await store.save(StoredResponse(status: 404), for: Self.key("k3", fingerprint: 2))
            #expect(try await store.keptAnswer(for: Self.key("k3", fingerprint: 2)) == .replay(StoredResponse(status: 404)), "an expired key is free again")

            #expect(try await store.pruneExpired() == 22)
            #expect(try await Self.count(pool, "SELECT count(*) FROM idempotency_keys") == 3)
            #expect(try await store.pruneExpired() == 0)
        }
    }

    @Test func aWriteAndItsAnswerCommitTogether() async throws {
        try await withTestPool(migrated: true) { pool in
            let store = PostgresIdempotencyStore(pool: pool)
            let cities = PostgresCitiesStore(pool: pool)
            let created = PendingAnswer(key: Self.key("create")) { (city: City) in StoredResponse(status: 201, body: Array(city.slug.utf8)) }
            _ = try await PendingAnswer.$current.withValue(created) { try await cities.create(draft("Kiel")) }
            #expect(try await store.keptAnswer(for: Self.key("create")) == .replay(StoredResponse(status: 201, body: Array("kiel".utf8))))

            // A retry that slipped past the lookup finds the answer in its transaction and writes nothing.
            await #expect(throws: IdempotencyConflict.answered) {
                try await PendingAnswer.$current.withValue(created) { try await cities.create(draft("Kiel", slug: "kiel-2")) }
            }
            #expect(try await Self.count(pool, "SELECT count(*) FROM cities") == 1)

            // A write that fails keeps no answer.
            let duplicate = PendingAnswer(key: Self.key("duplicate")) { (city: City) in StoredResponse(status: 201) }
            await #expect(throws: ValidationErrors.self) {
                try await PendingAnswer.$current.withValue(duplicate) { try await cities.create(draft("Kiel")) }
            }
            #expect(try await store.keptAnswer(for: Self.key("duplicate")) == nil)

            let kiel = try #require(try await cities.list(CityListQuery(), now: Date()).results.first?.city)
            let upserted = PendingAnswer(key: Self.key("upsert")) { (summary: UpsertSummary) in StoredResponse(status: 200, body: [UInt8(summary.created)]) }
            let events = [Event(externalID: "e1", cityID: kiel.id, category: "concert", startsAt: Date(), endsAt: Date() + 3600)]
            _ = try await PendingAnswer.$current.withValue(upserted) { try await cities.upsert(events) }
            #expect(try await store.keptAnswer(for: Self.key("upsert")) == .replay(StoredResponse(status: 200, body: [1])))
            let unknownCity = PendingAnswer(key: Self.key("unknown-city")) { (_: UpsertSummary) in StoredResponse(status: 200) }
            await #expect(throws: BulkValidationErrors.self) {
                try await PendingAnswer.$current.withValue(unknownCity) {
                    try await cities.upsert([Event(externalID: "e2", cityID: 999, category: "concert", startsAt: Date(), endsAt: Date() + 3600)])
                }
            }
            #expect(try await store.keptAnswer(for: Self.key("unknown-city")) == nil)

            let deleted = PendingAnswer(key: Self.key("delete")) { (_: Bool) in StoredResponse(status: 204) }
            #expect(try await PendingAnswer.$current.withValue(deleted) { try await cities.delete(externalID: "e1") })
            #expect(try await store.keptAnswer(for: Self.key("delete")) == .replay(StoredResponse(status: 204)))
            let missing = PendingAnswer(key: Self.key("missing")) { (_: Bool) in StoredResponse(status: 204) }
            #expect(try await !PendingAnswer.$current.withValue(missing) { try await cities.delete(id: 999) })
            #expect(try await store.keptAnswer(for: Self.key("missing")) == nil, "nothing written: the API keeps its 404 afterwards")
        }
    }
}
