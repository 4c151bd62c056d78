import CitiesCore
@testable import CitiesPG
import Foundation
import Synchronization
import Testing

/// A clock the test moves.
final class TestClock: Sendable {
    private let now: Mutex<Date>
    init(_ start: Date) { now = Mutex(start) }
    var date: Date { now.withLock { $0 } }
    func advance(by seconds: TimeInterval) { now.withLock { $0 += seconds } }
}

/// The counts the API serves, computed by plain SQL over the events: what every answer of the
/// live stores must equal.
struct PlainSQLCounts {
    let pool: PostgresPool

    func current(now: Date, categories: Set<String>, countryCode: String?) async throws -> [Int64: Int] {
        try await perCity("""
            SELECT c.id, count(e.id) FROM cities c
            LEFT JOIN events e ON e.city_id = c.id AND e.status = 'scheduled' AND e.ends_at > $1::timestamptz
                AND ($2::text[] IS NULL OR e.category = ANY ($2::text[]))
            WHERE c.is_active AND ($3::text IS NULL OR c.country_code = $3::text)
            GROUP BY c.id
            """, [now, categories.isEmpty ? nil : PostgresArrayLiteral(categories.sorted()), countryCode])
    }

    func window(from: Date, to: Date, categories: Set<String>, activeOnly: Bool = true) async throws -> [Int64: Int] {
        try await perCity("""
            SELECT c.id, count(e.id) FROM cities c
            LEFT JOIN events e ON e.city_id = c.id AND e.status = 'scheduled'
                AND e.starts_at < $2::timestamptz AND e.ends_at > $1::timestamptz
                AND ($3::text[] IS NULL OR e.category = ANY ($3::text[]))
            WHERE c.is_active OR NOT $4::bool GROUP BY c.id
            """, [from, to, categories.isEmpty ? nil : PostgresArrayLiteral(categories.sorted()), activeOnly])
    }

    func all(now: Date) async throws -> [Int64: Int] {
        try await perCity("""
            SELECT c.id, count(e.id) FROM cities c
            LEFT JOIN events e ON e.city_id = c.id AND e.status = 'scheduled' AND e.ends_at > $1::timestamptz
            GROUP BY c.id
            """, [now])
    }

    private func perCity(_ sql: String, _ parameters: [(any PostgresEncodable)?]) async throws -> [Int64: Int] {
        try await pool.withConnection { connection in
            try Dictionary(uniqueKeysWithValues: connection.query(sql, parameters).rows.map { row in
                (try row.decode(Int64.self, at: 0), try row.decode(Int.self, at: 1))
            })
        }
    }
}

@Suite struct LiveCountsTests {
    static let categories = ["concert", "theatre", "sports", "festival", "comedy"]

    /// Two replicas and a plain writer change cities and events concurrently while time passes in
    /// steps that cross event ends, the midnight and the look-ahead horizon; after each round both
    /// replicas' answers equal plain SQL, for random filters and windows.
    @Test func replicasAgreeWithPlainSQLUnderConcurrentWritesAndTime() async throws {
        let configuration = try await TestCluster.freshDatabase(migrated: true)
        func pool() -> PostgresPool {
            PostgresPool(configuration: PostgresPoolConfiguration(connection: configuration, maxConnections: 4, acquireTimeout: .seconds(10)))
        }
        let pools = [pool(), pool(), pool()]
        let clock = TestClock(referenceNow)
        var settings = LiveCitiesStore.Configuration()
        settings.changeRetention = 86_400 * 365
        let replicas = pools.prefix(2).map { LiveCitiesStore(pool: $0, configuration: settings, clock: { clock.date }) }
        let plainWriter = PostgresCitiesStore(pool: pools[2])
        let oracle = PlainSQLCounts(pool: pools[2])
        var random = SeededRandom(seed: 4_242)

        var cityIDs: [Int64] = []
        for index in 0..<8 {
            cityIDs.append(try await replicas[index % 2].create(draft("Live \(index)", ["DE", "FR"][index % 2], active: index != 7)).id)
        }
        for replica in replicas { try await replica.refresh() }

        var nextEvent = 0
        for round in 0..<25 {
            // Each writer gets its own batch, decided up front from the seeded generator.
            let writers: [any CitiesRepository] = [replicas[0], replicas[1], plainWriter]
            var batches: [[Event]] = []
            for _ in writers {
                var batch: [Event] = []
                for _ in 0..<Int(random.next() % 40) {
                    let reuse = nextEvent > 0 && random.next() % 3 == 0
                    let id = reuse ? Int(random.next() % UInt64(nextEvent)) : nextEvent
                    if !reuse { nextEvent += 1 }
                    let starts = clock.date + Double(Int(random.next() % 96) - 24) * 1800 + Double(random.next() % 1000) / 7
                    batch.append(Event(
                        externalID: "ev-\(id)", cityID: cityIDs[Int(random.next() % UInt64(cityIDs.count))],
                        category: Self.categories[Int(random.next() % UInt64(Self.categories.count))],
                        startsAt: starts, endsAt: starts + Double(random.next() % 36) * 1800,
                        status: random.next() % 6 == 0 ? .cancelled : .scheduled))
                }
                batches.append(Dictionary(batch.map { ($0.externalID, $0) }, uniquingKeysWith: { $1 }).values.sorted { $0.externalID < $1.externalID })
            }
            let deletion = nextEvent > 0 ? "ev-\(random.next() % UInt64(nextEvent))" : nil
            let toggled = cityIDs[Int(random.next() % UInt64(cityIDs.count))]
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (writer, batch) in zip(writers, batches) where !batch.isEmpty {
                    group.addTask { _ = try await writer.upsert(batch) }
                }
                if let deletion { group.addTask { _ = try await replicas[1].delete(externalID: deletion) } }
                group.addTask {
                    if var city = try await plainWriter.city(id: toggled, now: referenceNow)?.city.draft {
                        city.isActive.toggle()
                        _ = try await replicas[0].update(id: toggled, with: city)
                    }
                }
                try await group.waitForAll()
            }
            clock.advance(by: [0, 60, 1800, 5400, 9000][Int(random.next() % 5)] + Double(random.next() % 600))
            for replica in replicas { try await replica.refresh() }

            let now = clock.date
            for replica in replicas {
                let chosen = Set(Self.categories.filter { _ in random.next() % 3 == 0 })
                let country: String? = random.next() % 3 == 0 ? "FR" : nil
                let counts = try await replica.eventCounts(EventCountFilter(categories: chosen), countryCode: country, now: now)
                let expected = try await oracle.current(now: now, categories: chosen, countryCode: country)
                #expect(Dictionary(uniqueKeysWithValues: counts.map { ($0.id, $0.eventCount) }) == expected, "round \(round) \(chosen) \(country ?? "-")")

                let all = try await oracle.all(now: now)
                let page = try await replica.list(CityListQuery(pageSize: 100), now: now)
                #expect(Dictionary(uniqueKeysWithValues: page.results.map { ($0.city.id, $0.eventCount) }) == all, "round \(round) list")
                let one = cityIDs[Int(random.next() % UInt64(cityIDs.count))]
                #expect(try await replica.city(id: one, now: now)?.eventCount == all[one])
                #expect(try await replica.readVersion(now: now) != nil)

                let midnightAligned = random.next() % 2 == 0
                var from = now + Double(Int(random.next() % 200) - 100) * 3600
                if midnightAligned { from = UTCDay.start(of: from) }
                let to = from + (midnightAligned ? Double(random.next() % 5 + 1) * 86_400 : Double(random.next() % 100_000 + 1))
                let windowed = try await replica.eventCounts(EventCountFilter(window: DateInterval(start: from, end: to), categories: chosen), countryCode: nil, now: now)
                #expect(Dictionary(uniqueKeysWithValues: windowed.map { ($0.id, $0.eventCount) })
                        == (try await oracle.window(from: from, to: to, categories: chosen)), "round \(round) window \(from) \(to)")

                let interval = CountInterval.allCases[Int(random.next() % 3)]
                let histogram = try #require(try await replica.histogram(cityID: one, interval: interval, from: from, to: to, categories: chosen))
                #expect(histogram.first?.start == from && histogram.last?.end == to)
                for bucket in histogram {
                    let expectedBucket = try await oracle.window(from: bucket.start, to: bucket.end, categories: chosen, activeOnly: false)[one]
                    #expect(bucket.count == expectedBucket, "round \(round) bucket \(bucket)")
                }
            }
        }
        for pool in pools { await pool.close() }
    }
}

@Suite struct LiveCountsPollingTests {
    /// With both replicas polling in the background, a write through one shows in the other without
    /// anyone asking it to refresh.
    @Test func aWriteThroughOneReplicaReachesTheOther() async throws {
        let configuration = try await TestCluster.freshDatabase(migrated: true)
        let pools = (0..<2).map { _ in PostgresPool(configuration: PostgresPoolConfiguration(connection: configuration, maxConnections: 2)) }
        let writer = LiveCitiesStore(pool: pools[0])
        let reader = LiveCitiesStore(pool: pools[1])
        let polling = Task { try await reader.run() }
        let city = try await writer.create(draft("Polled"))
        _ = try await writer.upsert([Event(externalID: "p1", cityID: city.id, category: "concert", startsAt: Date(), endsAt: Date() + 3600)])

        let deadline = ContinuousClock.now + .seconds(10)
        var seen: Int?
        while ContinuousClock.now < deadline {
            seen = try await reader.eventCounts(EventCountFilter(), countryCode: nil, now: Date()).first { $0.id == city.id }?.eventCount
            if seen == 1 { break }
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(seen == 1)
        polling.cancel()
        _ = await polling.result
        for pool in pools { await pool.close() }
    }
}
