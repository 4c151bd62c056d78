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
    let pool: PGPool

    func current(now: Date, categories: Set<String>, countryCode: String?) async throws -> [Int64: Int] {
        try await perCity("""
            SELECT c.id, count(e.id) FROM cities c
            LEFT JOIN events e ON e.city_id = c.id AND e.status = 'scheduled' AND e.ends_at > $1::timestamptz
                AND ($2::text[] IS NULL OR e.category = ANY ($2::text[]))
            WHERE c.is_active AND ($3::text IS NULL OR c.country_code = $3::text)
            GROUP BY c.id
            """, [now, categories.isEmpty ? nil : PGArrayLiteral(categories.sorted()), countryCode])
    }

    func window(from: Date, to: Date, categories: Set<String>, activeOnly: Bool = true) async throws -> [Int64: Int] {
        try await perCity("""
            SELECT c.id, count(e.id) FROM cities c
            LEFT JOIN events e ON e.city_id = c.id AND e.status = 'scheduled'
                AND e.starts_at < $2::timestamptz AND e.ends_at > $1::timestamptz
                AND ($3::text[] IS NULL OR e.category = ANY ($3::text[]))
            WHERE c.is_active OR NOT $4::bool GROUP BY c.id
            """, [from, to, categories.isEmpty ? nil : PGArrayLiteral(categories.sorted()), activeOnly])
    }

    func all(now: Date) async throws -> [Int64: Int] {
        try await perCity("""
            SELECT c.id, count(e.id) FROM cities c
            LEFT JOIN events e ON e.city_id = c.id AND e.status = 'scheduled' AND e.ends_at > $1::timestamptz
            GROUP BY c.id
            """, [now])
    }

    private func perCity(_ sql: String, _ parameters: [(any PGEncodable)?]) async throws -> [Int64: Int] {
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
        func pool() -> PGPool {
            PGPool(configuration: PGPoolConfiguration(connection: configuration, maxConnections: 4, acquireTimeout: .seconds(10)))
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
                let windowed = try await replica.eventCounts(EventCountFilter(window: CountWindow(from: from, to: to), categories: chosen), countryCode: nil, now: now)
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
    /// With a replica polling in the background and not listening, a write through another shows
    /// in it without anyone asking it to refresh.
    @Test func aWriteThroughOneReplicaReachesAPollingOne() async throws {
        let configuration = try await TestCluster.freshDatabase(migrated: true)
        let pools = (0..<2).map { _ in PGPool(configuration: PGPoolConfiguration(connection: configuration, maxConnections: 2)) }
        var polling = LiveCitiesStore.Configuration()
        polling.listensForChanges = false
        let writer = LiveCitiesStore(pool: pools[0])
        let reader = LiveCitiesStore(pool: pools[1], configuration: polling)
        let pollingTask = Task { try await reader.run() }
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
        pollingTask.cancel()
        _ = await pollingTask.result
        for pool in pools { await pool.close() }
    }

    /// With polls an hour apart, plain SQL writes still show at once: each commit notifies, and the
    /// replica's listening session makes it read the change log. Its session killed, it listens
    /// again and reads what was committed meanwhile.
    @Test func aListeningReplicaFollowsOtherWritersWithoutPolling() async throws {
        let configuration = try await TestCluster.freshDatabase(migrated: true)
        let pools = (0..<2).map { _ in PGPool(configuration: PGPoolConfiguration(connection: configuration, maxConnections: 2)) }
        var hourly = LiveCitiesStore.Configuration()
        hourly.pollInterval = .seconds(3600)
        hourly.pollIntervalWhileListening = .seconds(3600)
        let replica = LiveCitiesStore(pool: pools[0], configuration: hourly)
        let writer = PostgresCitiesStore(pool: pools[1])
        let city = try await writer.create(draft("Notified"))
        let running = Task { try await replica.run() }
        func count() async throws -> Int? { try await replica.city(id: city.id, now: Date())?.eventCount }
        func event(_ id: String) -> Event { Event(externalID: id, cityID: city.id, category: "concert", startsAt: Date(), endsAt: Date() + 3600) }

        #expect(try await eventually { replica.isListening })
        #expect(try await count() == 0)
        _ = try await writer.upsert([event("n1")])
        #expect(try await eventually { try await count() == 1 })

        let terminated = try await pools[1].withConnection { connection in
            try connection.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'LISTEN event_count_changes' AND datname = current_database()").rows.count
        }
        #expect(terminated == 1)
        _ = try await writer.upsert([event("n2")])
        #expect(try await eventually { try await count() == 2 })
        #expect(try await eventually { replica.listeningSessions == 2 })
        _ = try await writer.upsert([event("n3")])
        #expect(try await eventually { try await count() == 3 })

        running.cancel()
        _ = await running.result
        #expect(!replica.isListening)
        for pool in pools { await pool.close() }
    }
}

/// A transaction held open on a connection of `pool` (whose thread blocks until ``commit()``), as a
/// long report or a stuck client holds one.
final class OpenTransaction: Sendable {
    private let release = DispatchSemaphore(value: 0)
    private let opened = Mutex(false)
    private let transaction = Mutex<Task<Void, Error>?>(nil)

    /// Begins the transaction and runs `body` in it.
    static func begin(on pool: PGPool, _ body: @escaping @Sendable (PGConnection) throws -> Void) async throws -> OpenTransaction {
        let open = OpenTransaction()
        let task = Task {
            try await pool.withConnection { connection in
                try connection.transaction {
                    try body(connection)
                    open.opened.withLock { $0 = true }
                    open.release.wait()
                }
            }
        }
        open.transaction.withLock { $0 = task }
        if !(try await eventually { open.opened.withLock { $0 } }) { try await task.value }
        return open
    }

    func commit() async throws {
        release.signal()
        try await transaction.withLock { $0 }?.value
    }
}

/// Serialized: two of these hold a transaction open, which holds back the xmin of every snapshot
/// on the cluster, and so the other's pruning.
@Suite(.serialized) struct LiveCountsFeedTests {
    func changeRows(_ pool: PGPool) async throws -> Int {
        try await pool.withConnection { try $0.query("SELECT count(*) FROM event_count_changes").first!.decode(Int.self, at: 0) }
    }

    func counts(_ replica: LiveCitiesStore, now: Date) async throws -> [Int64: Int] {
        Dictionary(uniqueKeysWithValues: try await replica.eventCounts(EventCountFilter(), countryCode: nil, now: now).map { ($0.id, $0.eventCount) })
    }

    /// Writers through one replica at once each read their own write as soon as it returns, though
    /// they share refreshes.
    @Test func concurrentWritersThroughOneReplicaEachReadTheirOwnWrite() async throws {
        try await withTestPool(migrated: true) { pool in
            let replica = LiveCitiesStore(pool: pool)
            var cities: [Int64] = []
            for index in 0..<12 { cities.append(try await replica.create(draft("Writer \(index)")).id) }
            let seen = try await withThrowingTaskGroup(of: Int?.self) { group in
                for (index, city) in cities.enumerated() {
                    group.addTask {
                        _ = try await replica.upsert([Event(externalID: "own-\(index)", cityID: city, category: "concert", startsAt: Date(), endsAt: Date() + 3600)])
                        return try await replica.city(id: city, now: Date())?.eventCount
                    }
                }
                return try await group.reduce(into: [Int?]()) { $0.append($1) }
            }
            #expect(seen == Array(repeating: 1, count: cities.count))
        }
    }

    /// A city written through one replica reaches the other by itself: the other reads that city,
    /// not all of them, whatever the number of cities.
    @Test func aCityChangeMovesOnlyThatCityOnOtherReplicas() async throws {
        try await withTestPool(migrated: true) { pool in
            let writer = LiveCitiesStore(pool: pool, clock: { referenceNow })
            let reader = LiveCitiesStore(pool: pool, clock: { referenceNow })
            for index in 0..<40 { _ = try await writer.create(draft("Town \(index)")) }
            func names() async throws -> [String] {
                try await reader.list(CityListQuery(pageSize: 100), now: referenceNow).results.map(\.city.name)
            }
            #expect(try await names().count == 40)
            let loaded = reader.cityRowsRead
            let aachen = try await writer.create(CityDraft(name: "Aachen", countryCode: "DE", timezone: "Europe/Berlin", alternateNames: ["Aix-la-Chapelle"]))
            func named(_ name: String) async throws -> City {
                try #require(try await writer.list(CityListQuery(pageSize: 100), now: referenceNow).results.first { $0.city.name == name }).city
            }
            let town = try await named("Town 7")
            var renamed = town.draft
            renamed.name = "Zwickau"
            _ = try await writer.update(id: town.id, with: renamed)
            let doomed = try await named("Town 3")
            #expect(try await writer.delete(id: doomed.id))
            try await reader.refresh()
            let after = try await names()
            #expect(after.first == "Aachen")
            #expect(after.last == "Zwickau")
            #expect(after.count == 40)
            #expect(!after.contains("Town 3"))
            #expect(try await reader.list(CityListQuery(search: "chapelle"), now: referenceNow).results.map(\.city.id) == [aachen.id])
            #expect(reader.cityRowsRead - loaded == 2, "the created and the renamed city; the deleted one needs no read")
        }
    }

    /// A transaction left open pins the snapshots' xmin. Polls still read only what was committed
    /// since the previous poll — not everything written since that transaction began — and pick
    /// up the open transaction's own change once it commits.
    @Test func anOpenTransactionDoesNotMakePollsReadMore() async throws {
        let configuration = try await TestCluster.freshDatabase(migrated: true)
        let pools = (0..<2).map { _ in PGPool(configuration: PGPoolConfiguration(connection: configuration, maxConnections: 2)) }
        let replica = LiveCitiesStore(pool: pools[0], clock: { referenceNow })
        let writer = PostgresCitiesStore(pool: pools[1])
        let oracle = PlainSQLCounts(pool: pools[1])
        let busy = try await writer.create(draft("Busy")).id
        let quiet = try await writer.create(draft("Quiet")).id
        try await replica.refresh()

        // Another city, category and day than the writes below: it holds no row lock they need.
        let open = try await OpenTransaction.begin(on: pools[1]) { connection in
            try connection.query("SELECT pg_current_xact_id()")
            try connection.query("""
                INSERT INTO events (external_id, city_id, category, starts_at, ends_at)
                VALUES ('held', $1, 'festival', $2, $3)
                """, [quiet, referenceNow + 86_400 * 3, referenceNow + 86_400 * 4])
        }
        var rowsPerPoll: [Int] = []
        for round in 0..<30 {
            _ = try await writer.upsert((0..<5).map { index in
                Event(externalID: "w\(round)-\(index)", cityID: busy, category: "concert", startsAt: referenceNow, endsAt: referenceNow + Double(index + 1) * 3600)
            })
            let before = replica.changeRowsRead
            try await replica.refresh()
            rowsPerPoll.append(replica.changeRowsRead - before)
            #expect(try await counts(replica, now: referenceNow) == (try await oracle.current(now: referenceNow, categories: [], countryCode: nil)))
        }
        #expect(rowsPerPoll == Array(repeating: 5, count: 30), "each poll reads the one write since the last")

        try await open.commit()
        let before = replica.changeRowsRead
        try await replica.refresh()
        #expect(replica.changeRowsRead - before == 1, "the held transaction's change, once it committed")
        #expect(try await counts(replica, now: referenceNow) == [busy: 150, quiet: 1])
        #expect(try await oracle.current(now: referenceNow, categories: [], countryCode: nil) == [busy: 150, quiet: 1])
        for pool in pools { await pool.close() }
    }

    /// Pruning relies on marks in the database, not on what a replica remembers: a replica started
    /// after the one that left a mark prunes with it, and leaves what was written since.
    @Test func aReplicaStartedLaterPrunesWithTheMarksOthersLeft() async throws {
        try await withTestPool(migrated: true) { pool in
            let writer = PostgresCitiesStore(pool: pool)
            let city = try await writer.create(draft("Pruned")).id
            _ = try await writer.upsert((0..<3).map { Event(externalID: "old-\($0)", cityID: city, category: "concert", startsAt: Date(), endsAt: Date() + 3600) })
            #expect(try await changeRows(pool) == 4)
            func newestMark() async throws -> (takenAt: Date?, finishedBelow: UInt64) {
                try await pool.withConnection { connection in
                    let row = try connection.query("""
                        SELECT max(taken_at), coalesce(max(finished_below::text::numeric), 0)::text FROM event_count_change_marks
                        """).first!
                    return (try row.decode(Date?.self, at: 0), UInt64(try row.decode(String.self, at: 1))!)
                }
            }

            // The first replica only marks (its retention is long). Transactions of other tests on
            // the shared cluster hold the snapshots' xmin back for a while.
            var marking = LiveCitiesStore.Configuration()
            marking.pruneInterval = 0
            let first = LiveCitiesStore(pool: pool, configuration: marking)
            let oldest = try await pool.withConnection { try UInt64($0.query("SELECT max(xid)::text FROM event_count_changes").first!.decode(String.self, at: 0))! }
            var prunedByFirst = 0
            #expect(try await eventually {
                prunedByFirst += try await first.pruneChanges()
                return try await newestMark().finishedBelow > oldest
            })
            #expect(prunedByFirst == 0)
            _ = try await writer.upsert([Event(externalID: "new", cityID: city, category: "concert", startsAt: Date(), endsAt: Date() + 3600)])

            var pruning = LiveCitiesStore.Configuration()
            pruning.changeRetention = 0.3
            pruning.pruneInterval = 3600
            let later = LiveCitiesStore(pool: pool, configuration: pruning)
            let marked = try await newestMark().takenAt
            var pruned = 0
            #expect(try await eventually {
                pruned += try await later.pruneChanges()
                return pruned == 4
            })
            #expect(try await changeRows(pool) == 1, "the write after the mark stays")
            #expect(try await newestMark().takenAt == marked, "the later replica took no mark of its own within its prune interval")
        }
    }

    /// Retention counts from when a transaction finished, not from when it wrote: a writer open
    /// longer than the retention keeps its changes until every replica has read them, even when a
    /// prune runs between its commit and a replica's next poll.
    @Test func aWriterOpenLongerThanTheRetentionIsNotMissed() async throws {
        let configuration = try await TestCluster.freshDatabase(migrated: true)
        let pools = (0..<2).map { _ in PGPool(configuration: PGPoolConfiguration(connection: configuration, maxConnections: 3)) }
        var settings = LiveCitiesStore.Configuration()
        settings.changeRetention = 0.3
        settings.pruneInterval = 0
        // The reader's clock stands still, so it never finds itself too stale to read the log.
        let reader = LiveCitiesStore(pool: pools[0], configuration: settings, clock: { referenceNow })
        let pruner = LiveCitiesStore(pool: pools[1], configuration: settings)
        let writer = PostgresCitiesStore(pool: pools[1])
        let city = try await writer.create(draft("Long writer")).id
        _ = try await writer.upsert([Event(externalID: "before", cityID: city, category: "concert", startsAt: referenceNow, endsAt: referenceNow + 3600)])
        try await reader.refresh()

        let open = try await OpenTransaction.begin(on: pools[1]) { connection in
            try connection.query("""
                INSERT INTO events (external_id, city_id, category, starts_at, ends_at) VALUES ('held', $1, 'concert', $2, $3)
                """, [city, referenceNow, referenceNow + 7200])
        }
        // Marks are taken while it is open; the changes from before it expire and are pruned.
        #expect(try await eventually {
            _ = try await pruner.pruneChanges()
            try await reader.refresh()
            return try await changeRows(pools[1]) == 0
        })

        try await open.commit()
        _ = try await pruner.pruneChanges()
        #expect(try await changeRows(pools[1]) == 1, "written longer ago than the retention, but finished just now")
        try await reader.refresh()
        #expect(try await counts(reader, now: referenceNow) == [city: 2])
        for pool in pools { await pool.close() }
    }
}
