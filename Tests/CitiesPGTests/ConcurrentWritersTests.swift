import CitiesCore
import CitiesPG
import Foundation
import Testing

/// Several writers upserting overlapping batches at once: the events service runs many workers.
@Suite struct ConcurrentWritersTests {
    @Test func overlappingBatchesInAnyOrderNeitherDeadlockNorFail() async throws {
        try await withTestPool(maxConnections: 8, migrated: true) { pool in
            let store = PostgresCitiesStore(pool: pool)
            let cities = [try await store.create(draft("Aachen")), try await store.create(draft("Bonn"))]
            let ids = (0..<300).map { "event-\($0)" }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<8 {
                    group.addTask {
                        var generator = SeededRandom(seed: UInt64(writer + 1))
                        for round in 0..<4 {
                            let batch = ids.shuffled(using: &generator).prefix(200).map { id in
                                event(id, cities[(writer + round) % 2], ["concert", "theatre"][round % 2],
                                      starts: hours(Double(writer)), ends: hours(Double(100 + round)))
                            }
                            _ = try await store.upsert(batch)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let counts = try await store.eventCounts(EventCountFilter(), countryCode: nil, now: referenceNow)
            let sql = try await pool.withConnection { connection in
                try connection.query("SELECT city_id, count(*)::int8 FROM events WHERE status = 'scheduled' AND ends_at > $1 GROUP BY city_id", [referenceNow])
                    .rows.reduce(into: [Int64: Int]()) { $0[try $1.decode(Int64.self, at: 0)] = try $1.decode(Int.self, at: 1) }
            }
            #expect(Dictionary(uniqueKeysWithValues: counts.map { ($0.id, $0.eventCount) }).filter { $0.value > 0 } == sql)
            #expect(sql.values.reduce(0, +) > 0)
        }
    }

    /// A city deleted while its events are upserted: each upsert either lands before the delete
    /// (whose cascade then removes the events) or reports the city unknown — never a foreign key
    /// violation from halfway through.
    @Test func upsertsRacingTheirCitysDeletionAreRefusedCleanly() async throws {
        try await withTestPool(maxConnections: 8, migrated: true) { pool in
            let store = PostgresCitiesStore(pool: pool)
            for round in 0..<6 {
                let city = try await store.create(draft("Race \(round)"))
                let outcomes = try await withThrowingTaskGroup(of: String.self) { group in
                    for writer in 0..<5 {
                        group.addTask {
                            do {
                                _ = try await store.upsert((0..<50).map { event("r\(round)-w\(writer)-\($0)", city, starts: hours(1), ends: hours(2)) })
                                return "written"
                            } catch BulkValidationErrors.items(let errors) {
                                #expect(errors.allSatisfy { $0.fields["city"] == [CityMessages.unknownCity(city.id)] })
                                return "unknown city"
                            }
                        }
                    }
                    group.addTask { try await store.delete(id: city.id) ? "deleted" : "not found" }
                    return try await group.reduce(into: [String]()) { $0.append($1) }
                }
                #expect(outcomes.contains("deleted"))
                let left = try await pool.withConnection { try $0.query("SELECT count(*)::int8 FROM events WHERE city_id = $1", [city.id]).first!.decode(Int.self, at: 0) }
                #expect(left == 0)
            }
        }
    }

    /// A writer waiting on rows another transaction holds gives up after `lock_timeout`, retries,
    /// and then reports the database as unavailable (an HTTP 503), never a bare server error.
    @Test func aLockHeldTooLongIsRetriedThenUnavailable() async throws {
        var connection = try await TestCluster.freshDatabase(migrated: true)
        connection.lockTimeout = .milliseconds(50)
        let pool = PGPool(configuration: PGPoolConfiguration(connection: connection, maxConnections: 3))
        let store = PostgresCitiesStore(pool: pool)
        let city = try await store.create(draft("Aachen"))
        _ = try await store.upsert([event("held", city, starts: hours(1), ends: hours(2))])
        let holder = try PGConnection.connect(connection)
        try holder.execute(script: "BEGIN")
        try holder.query("SELECT 1 FROM events WHERE external_id = 'held' FOR UPDATE")
        let error = await #expect(throws: PGError.self) {
            try await store.upsert([event("held", city, starts: hours(1), ends: hours(3))])
        }
        #expect(error?.sqlState == "55P03")
        #expect(error?.isUnavailable == true)
        try holder.execute(script: "ROLLBACK")
        #expect(try await store.upsert([event("held", city, starts: hours(1), ends: hours(3))]) == UpsertSummary(updated: 1))
        holder.close()
        await pool.close()
    }
}
