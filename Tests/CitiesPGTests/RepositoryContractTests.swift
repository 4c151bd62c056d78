import CitiesCore
import CitiesPG
import Foundation
import Testing

/// One contract, three implementations: the in-memory store of CitiesCore and both PostgreSQL
/// stores of CitiesPG must give the same answers, so a service testing against the in-memory double
/// tests what production does.
enum Implementation: String, CaseIterable, CustomTestStringConvertible {
    case inMemory
    case postgres
    case live

    var testDescription: String { rawValue }

    func withRepository(_ body: (any CitiesRepository) async throws -> Void) async throws {
        switch self {
        case .inMemory:
            try await body(InMemoryCitiesStore())
        case .postgres:
            try await withTestPool(migrated: true) { pool in try await body(PostgresCitiesStore(pool: pool)) }
        case .live:
            try await withTestPool(migrated: true) { pool in try await body(LiveCitiesStore(pool: pool, clock: { referenceNow })) }
        }
    }
}

let referenceNow = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-18T08:26:40Z

func hours(_ count: Double) -> TimeInterval { count * 3600 }

func draft(_ name: String, _ country: String = "DE", slug: String? = nil, population: Int64? = nil, active: Bool = true) -> CityDraft {
    CityDraft(slug: slug ?? Slug.derive(from: name), name: name, countryCode: country, timezone: "Europe/Berlin", population: population, isActive: active)
}

func event(_ id: String, _ city: City, _ category: String = "concert", starts: TimeInterval, ends: TimeInterval, status: EventStatus = .scheduled) -> Event {
    Event(externalID: id, cityID: city.id, category: category, startsAt: referenceNow + starts, endsAt: referenceNow + ends, status: status)
}

@Suite struct RepositoryContractTests {
    @Test(arguments: Implementation.allCases)
    func createReadUpdateDelete(_ implementation: Implementation) async throws {
        try await implementation.withRepository { store in
            let berlin = try await store.create(draft("Berlin", population: 3_850_000))
            #expect(berlin.slug == "berlin")
            #expect(berlin.createdAt == berlin.updatedAt)
            let read = try #require(try await store.city(id: berlin.id, now: referenceNow))
            #expect(read == CityWithEventCount(city: berlin, eventCount: 0))

            var changed = berlin.draft
            changed.population = nil
            changed.region = "Berlin"
            let updated = try #require(try await store.update(id: berlin.id, with: changed))
            #expect(updated.draft == changed)
            #expect(updated.createdAt == berlin.createdAt)
            #expect(updated.updatedAt >= berlin.updatedAt)

            #expect(try await store.update(id: 999_999, with: changed) == nil)
            #expect(try await store.city(id: 999_999, now: referenceNow) == nil)
            #expect(try await store.delete(id: berlin.id))
            #expect(try await !store.delete(id: berlin.id))
            #expect(try await store.city(id: berlin.id, now: referenceNow) == nil)
        }
    }

    @Test(arguments: Implementation.allCases)
    func duplicateSlugIsAFieldError(_ implementation: Implementation) async throws {
        try await implementation.withRepository { store in
            _ = try await store.create(draft("Paris", "FR"))
            let onCreate = await #expect(throws: ValidationErrors.self) { try await store.create(draft("Paris (Texas)", "US", slug: "paris")) }
            #expect(onCreate == ValidationErrors(["slug": [CityMessages.duplicateSlug]]))
            let lyon = try await store.create(draft("Lyon", "FR"))
            var renamed = lyon.draft
            renamed.slug = "paris"
            await #expect(throws: ValidationErrors.self) { try await store.update(id: lyon.id, with: renamed) }
        }
    }

    /// A draft built in code meets the serializer's rules and messages, not a constraint's SQLSTATE.
    @Test(arguments: Implementation.allCases)
    func anInvalidDraftGetsTheSerializersFieldErrors(_ implementation: Implementation) async throws {
        try await implementation.withRepository { store in
            let asJSON: JSONValue = .object([
                "name": .string(""), "country_code": .string("XX"), "timezone": .string("Mars/Olympus_Mons"),
                "latitude": .number(91), "longitude": .number(0), "population": .integer(-1),
            ])
            let expected = #expect(throws: ValidationErrors.self) { try CitySerializer().validate(asJSON) }
            #expect(expected?.fields.keys.sorted() == ["country_code", "latitude", "name", "population", "timezone"])
            let invalid = CityDraft(name: "", countryCode: "XX", timezone: "Mars/Olympus_Mons", latitude: 91, longitude: 0, population: -1)

            let onCreate = await #expect(throws: ValidationErrors.self) { try await store.create(invalid) }
            #expect(onCreate == expected)
            #expect(try await store.list(CityListQuery(), now: referenceNow).count == 0, "nothing was written")

            let bonn = try await store.create(CityDraft(name: "Bonn", countryCode: "de", timezone: "Europe/Berlin"))
            #expect(bonn.countryCode == "DE", "normalised as the API stores it")
            let onUpdate = await #expect(throws: ValidationErrors.self) { try await store.update(id: bonn.id, with: invalid) }
            #expect(onUpdate == expected)
            #expect(try await store.city(id: bonn.id, now: referenceNow)?.city == bonn, "unchanged")
        }
    }

    /// What the serializer lets through at its limits the database stores: lengths are counted in
    /// code points on both sides (the CHECK constraints use `char_length`).
    @Test(arguments: Implementation.allCases)
    func theLongestValidTextsAreStored(_ implementation: Implementation) async throws {
        try await implementation.withRepository { store in
            let longest = String(repeating: "e\u{301}", count: 100)  // 200 code points, 100 characters
            let city = try await store.create(CityDraft(name: longest, countryCode: "FR", region: longest, timezone: "Europe/Paris",
                                                        alternateNames: [longest]))
            #expect(try await store.city(id: city.id, now: referenceNow)?.city.name == longest)
            await #expect(throws: ValidationErrors(["name": ["Ensure this field has no more than 200 characters."]])) {
                try await store.create(CityDraft(name: longest + "e", countryCode: "FR", timezone: "Europe/Paris"))
            }
        }
    }

    @Test(arguments: Implementation.allCases)
    func listFiltersSearchesPaginatesAndOrders(_ implementation: Implementation) async throws {
        try await implementation.withRepository { store in
            let dusseldorf = try await store.create(draft("Düsseldorf", population: 629_047))
            let munchen = try await store.create(draft("München", population: 1_512_491))
            let zurich = try await store.create(draft("Zürich", "CH"))
            let koln = try await store.create(draft("Köln", population: 1_084_831, active: false))
            let percent = try await store.create(draft("100% City", "US", slug: "hundred"))
            _ = try await store.upsert([
                event("a", munchen, starts: hours(1), ends: hours(3)),
                event("b", munchen, starts: hours(-5), ends: hours(-1)),
                event("c", zurich, starts: hours(2), ends: hours(4)),
                event("d", zurich, starts: hours(2), ends: hours(4)),
                event("e", zurich, starts: hours(2), ends: hours(4), status: .cancelled),
            ])

            func ids(_ query: CityListQuery) async throws -> [Int64] {
                try await store.list(query, now: referenceNow).results.map(\.city.id)
            }
            #expect(try await ids(CityListQuery()) == [percent.id, dusseldorf.id, koln.id, munchen.id, zurich.id])
            #expect(try await ids(CityListQuery(ordering: CityOrdering(.name, descending: true))) == [zurich.id, munchen.id, koln.id, dusseldorf.id, percent.id])
            #expect(try await ids(CityListQuery(ordering: CityOrdering(.eventCount, descending: true))) == [zurich.id, munchen.id, dusseldorf.id, koln.id, percent.id])
            #expect(try await ids(CityListQuery(ordering: CityOrdering(.population))) == [dusseldorf.id, koln.id, munchen.id, zurich.id, percent.id])
            #expect(try await ids(CityListQuery(ordering: CityOrdering(.population, descending: true))) == [zurich.id, percent.id, munchen.id, koln.id, dusseldorf.id])
            #expect(try await ids(CityListQuery(ordering: CityOrdering(.createdAt, descending: true))) == [percent.id, koln.id, zurich.id, munchen.id, dusseldorf.id])
            #expect(try await ids(CityListQuery(ordering: CityOrdering(.id, descending: true))) == [percent.id, koln.id, zurich.id, munchen.id, dusseldorf.id])
            #expect(try await ids(CityListQuery(ordering: CityOrdering(.slug))) == [dusseldorf.id, percent.id, koln.id, munchen.id, zurich.id])
            #expect(try await ids(CityListQuery(ordering: CityOrdering(parameter: "country_code,-population")!)) == [zurich.id, munchen.id, koln.id, dusseldorf.id, percent.id])
            #expect(try await ids(CityListQuery(ordering: CityOrdering(parameter: "bogus,-country_code")!)) == [percent.id, dusseldorf.id, munchen.id, koln.id, zurich.id])

            #expect(try await ids(CityListQuery(search: "dusseldorf")) == [dusseldorf.id])
            #expect(try await ids(CityListQuery(search: "MÜN")) == [munchen.id])
            #expect(try await ids(CityListQuery(search: "%")) == [percent.id])
            #expect(try await ids(CityListQuery(search: "_")) == [])
            #expect(try await ids(CityListQuery(countryCode: "CH")) == [zurich.id])
            #expect(try await ids(CityListQuery(isActive: false)) == [koln.id])

            let page = try await store.list(CityListQuery(page: 2, pageSize: 2), now: referenceNow)
            #expect(page.count == 5)
            #expect(page.results.map(\.city.id) == [koln.id, munchen.id])
            #expect(page.results.map(\.eventCount) == [0, 1])
            let beyond = try await store.list(CityListQuery(page: 4, pageSize: 2), now: referenceNow)
            #expect(beyond == CityPage(count: 5, results: []))
            #expect(try await store.city(id: zurich.id, now: referenceNow)?.eventCount == 2)
        }
    }

    /// `CityOrdering.precedes` (the in-memory stores) and `PostgresCitiesStore.orderBy` order the
    /// same rows alike for every field and direction and for several fields: equal values, NULL
    /// populations, equal creation times, and names that differ only in case, in a non-ASCII first
    /// letter, or in Unicode normalisation (equal to Swift's `==`, not to PostgreSQL).
    @Test func inMemoryAndSQLOrdersAgree() async throws {
        try await withTestPool(migrated: true) { pool in
            let store = PostgresCitiesStore(pool: pool)
            let rows: [(slug: String, name: String, country: String, population: Int64?)] = [
                ("berlin-b", "Berlin", "DE", nil), ("berlin-a", "berlin", "DE", 3_000_000), ("berlin", "Berlin", "DE", 3_000_000),
                ("are", "Åre", "SE", nil), ("zell", "Zell", "AT", 0), ("cafe-nfc", "Caf\u{E9}", "FR", 10), ("cafe-nfd", "Cafe\u{301}", "FR", 10),
                ("zurich", "Zürich", "CH", nil), ("geneve", "Genève", "CH", 200_000),
            ]
            var cities: [String: City] = [:]
            for row in rows {
                cities[row.slug] = try await store.create(draft(row.name, row.country, slug: row.slug, population: row.population))
            }
            _ = try await store.upsert([
                event("b1", cities["berlin-b"]!, starts: hours(1), ends: hours(2)), event("b2", cities["berlin-b"]!, starts: hours(1), ends: hours(2)),
                event("a1", cities["berlin"]!, starts: hours(1), ends: hours(2)), event("a2", cities["berlin"]!, starts: hours(1), ends: hours(2)),
                event("z1", cities["zell"]!, starts: hours(1), ends: hours(2)),
            ])
            try await pool.withConnection { connection in
                _ = try connection.query("UPDATE cities SET created_at = $1 WHERE slug IN ('berlin', 'zell', 'geneve')", [Date(timeIntervalSince1970: 1_000_000_000)])
            }
            let all = try await store.list(CityListQuery(pageSize: 100, ordering: CityOrdering(.id)), now: referenceNow).results
            #expect(all.count == rows.count)

            var orderings = CityOrdering.Field.allCases.flatMap { [CityOrdering($0), CityOrdering($0, descending: true)] }
            orderings += ["country_code,-population", "-event_count,name", "created_at,-slug", "population,-country_code,name"].map { CityOrdering(parameter: $0)! }
            func slugs(_ ordering: CityOrdering) async throws -> [String] {
                try await store.list(CityListQuery(pageSize: 100, ordering: ordering), now: referenceNow).results.map(\.city.slug)
            }
            for ordering in orderings {
                #expect(try await slugs(ordering) == all.sorted(by: ordering.precedes).map(\.city.slug), "\(ordering.terms)")
            }
            #expect(try await slugs(CityOrdering(.name)) == ["berlin-b", "berlin", "cafe-nfd", "cafe-nfc", "geneve", "zell", "zurich", "berlin-a", "are"])
            #expect(try await slugs(CityOrdering(.population)) == ["zell", "cafe-nfc", "cafe-nfd", "geneve", "berlin-a", "berlin", "berlin-b", "are", "zurich"])
            #expect(try await slugs(CityOrdering(.population, descending: true))
                    == ["berlin-b", "are", "zurich", "berlin-a", "berlin", "geneve", "cafe-nfc", "cafe-nfd", "zell"])
            #expect(try await slugs(CityOrdering(.eventCount, descending: true))
                    == ["berlin-b", "berlin", "zell", "berlin-a", "are", "cafe-nfc", "cafe-nfd", "zurich", "geneve"])
            #expect(try await slugs(CityOrdering(parameter: "created_at,-slug")!).prefix(3) == ["zell", "geneve", "berlin"])
        }
    }

    /// An event built in code gets the bulk body's field errors, aligned with the batch, from every
    /// store — not a CHECK constraint's SQLSTATE from one and acceptance from another.
    @Test(arguments: Implementation.allCases)
    func invalidEventsGetTheSerializersFieldErrors(_ implementation: Implementation) async throws {
        try await implementation.withRepository { store in
            let wien = try await store.create(draft("Wien", "AT"))
            let valid = event("ok", wien, starts: hours(1), ends: hours(2))
            var backwards = event("backwards", wien, starts: hours(2), ends: hours(1))
            var badCategory = event("bad-category", wien, "Live Music", starts: hours(1), ends: hours(2))
            badCategory.externalID = String(repeating: "x", count: 256)
            let asJSON = JSONValue.array([valid, backwards, badCategory].map(EventSerializer().representation(of:)))
            let expected = #expect(throws: BulkValidationErrors.self) { try EventSerializer().validateList(asJSON, maximumCount: 10) }
            guard case .items(let items)? = expected else { Issue.record("expected item errors"); return }
            #expect(items.map { $0.fields.keys.sorted() } == [[], ["non_field_errors"], ["category", "id"]])

            let error = await #expect(throws: BulkValidationErrors.self) { try await store.upsert([valid, backwards, badCategory]) }
            #expect(error == expected)
            #expect(try await store.city(id: wien.id, now: referenceNow)?.eventCount == 0, "nothing was written")
            backwards.endsAt = backwards.startsAt
            #expect(try await store.upsert([valid, backwards]) == UpsertSummary(created: 2))
        }
    }

    @Test(arguments: Implementation.allCases)
    func bulkUpsertIsIdempotentAndAtomic(_ implementation: Implementation) async throws {
        try await implementation.withRepository { store in
            let wien = try await store.create(draft("Wien", "AT"))
            let batch = [event("x1", wien, starts: hours(1), ends: hours(2)), event("x2", wien, "theatre", starts: hours(1), ends: hours(2))]
            #expect(try await store.upsert(batch) == UpsertSummary(created: 2))
            #expect(try await store.upsert(batch) == UpsertSummary(unchanged: 2))
            var moved = batch
            moved[1].status = .cancelled
            moved.append(event("x3", wien, starts: hours(5), ends: hours(6)))
            #expect(try await store.upsert(moved) == UpsertSummary(created: 1, updated: 1, unchanged: 1))

            let bad = [event("x4", wien, starts: 0, ends: hours(1)), Event(externalID: "x5", cityID: 987_654, category: "concert", startsAt: referenceNow, endsAt: referenceNow)]
            let error = await #expect(throws: BulkValidationErrors.self) { try await store.upsert(bad) }
            #expect(error == .items([ValidationErrors(), ValidationErrors(["city": [CityMessages.unknownCity(987_654)]])]))
            let duplicate = await #expect(throws: BulkValidationErrors.self) { try await store.upsert([batch[0], batch[0]]) }
            #expect(duplicate == .items([ValidationErrors(), ValidationErrors(["id": ["Duplicate id; item 0 has it already."]])]))
            #expect(try await store.city(id: wien.id, now: referenceNow)?.eventCount == 2, "a failed batch applies nothing")

            #expect(try await store.delete(externalID: "x1"))
            #expect(try await !store.delete(externalID: "x1"))
            #expect(try await store.city(id: wien.id, now: referenceNow)?.eventCount == 1)
            _ = try await store.delete(id: wien.id)
            let graz = try await store.create(draft("Graz", "AT"))
            let again = try await store.upsert([event("x3", graz, starts: hours(5), ends: hours(6))])
            #expect(again == UpsertSummary(created: 1), "deleting a city deletes its events")
        }
    }
}

@Suite struct EventCountContractTests {
    @Test(arguments: Implementation.allCases)
    func countsFollowTheDefinition(_ implementation: Implementation) async throws {
        try await implementation.withRepository { store in
            let a = try await store.create(draft("Aachen"))
            let b = try await store.create(draft("Bonn"))
            let c = try await store.create(draft("Chur", "CH"))
            let hidden = try await store.create(draft("Dessau", active: false))
            _ = try await store.upsert([
                event("over", a, starts: hours(-3), ends: hours(-1)),
                event("now", a, starts: hours(-1), ends: hours(1)),
                event("endsNow", a, starts: hours(-1), ends: 0),
                event("later", a, "theatre", starts: hours(24), ends: hours(26)),
                event("cancelled", b, starts: hours(1), ends: hours(2), status: .cancelled),
                event("b1", b, "festival", starts: hours(48), ends: hours(72)),
                event("c1", c, starts: hours(1), ends: hours(2)),
                event("brief", c, starts: hours(-0.4), ends: hours(-0.2)),
                event("h1", hidden, starts: hours(1), ends: hours(2)),
            ])
            func counts(_ filter: EventCountFilter = EventCountFilter(), country: String? = nil) async throws -> [String: Int] {
                Dictionary(uniqueKeysWithValues: try await store.eventCounts(filter, countryCode: country, now: referenceNow).map { ($0.slug, $0.eventCount) })
            }
            #expect(try await counts() == ["aachen": 2, "bonn": 1, "chur": 1])
            #expect(try await store.eventCounts(EventCountFilter(), countryCode: nil, now: referenceNow).map(\.name) == ["Aachen", "Bonn", "Chur"])
            #expect(try await counts(country: "CH") == ["chur": 1])
            #expect(try await counts(EventCountFilter(categories: ["theatre", "festival"])) == ["aachen": 1, "bonn": 1, "chur": 0])
            let window = CountWindow(from: referenceNow - hours(2), to: referenceNow - hours(1))
            #expect(try await counts(EventCountFilter(window: window)) == ["aachen": 1, "bonn": 0, "chur": 0])
            let touching = CountWindow(from: referenceNow + hours(26), to: referenceNow + hours(48))
            #expect(try await counts(EventCountFilter(window: touching)) == ["aachen": 0, "bonn": 0, "chur": 0], "half-open windows")

            // Open ends: `from` alone has no upper bound; `to` alone starts now.
            #expect(try await counts(EventCountFilter(window: CountWindow(from: referenceNow + hours(25)))) == ["aachen": 1, "bonn": 1, "chur": 0])
            #expect(try await counts(EventCountFilter(window: CountWindow(from: referenceNow - hours(2)))) == ["aachen": 4, "bonn": 1, "chur": 2])
            #expect(try await counts(EventCountFilter(window: CountWindow(to: referenceNow + hours(25)))) == ["aachen": 2, "bonn": 0, "chur": 1])
            #expect(try await counts(EventCountFilter(window: CountWindow(to: referenceNow + hours(25)), categories: ["theatre"])) == ["aachen": 1, "bonn": 0, "chur": 0])
            #expect(try await counts(EventCountFilter(window: CountWindow(to: referenceNow - hours(0.5)))) == ["aachen": 1, "bonn": 0, "chur": 0],
                    "a past `to` alone: what started before it and is not over; `brief`, wholly between, is not")
            #expect(try await counts(EventCountFilter(window: CountWindow(to: referenceNow))) == ["aachen": 1, "bonn": 0, "chur": 0])
        }
    }

    @Test(arguments: Implementation.allCases)
    func histogramsPerDayWeekAndMonth(_ implementation: Implementation) async throws {
        try await implementation.withRepository { store in
            let city = try await store.create(draft("Erfurt"))
            // referenceNow is Wednesday 2026-11-18T08:26:40Z.
            _ = try await store.upsert([
                event("mon", city, starts: hours(-56), ends: hours(-55)),
                event("wed", city, starts: hours(1), ends: hours(2)),
                event("span", city, "festival", starts: hours(10), ends: hours(40)),
                event("dec", city, starts: hours(24 * 20), ends: hours(24 * 20 + 1)),
                event("gone", city, starts: hours(1), ends: hours(2), status: .cancelled),
            ])
            let from = referenceNow - hours(72)
            let to = referenceNow + hours(24 * 30)
            let days = try #require(try await store.histogram(cityID: city.id, interval: .day, from: from, to: to, categories: []))
            #expect(days.count == 34)
            #expect(days.first?.start == from)
            #expect(days.last?.end == to)
            #expect(days.map(\.count).reduce(0, +) == 6, "mon, wed, span over three days (18th to 20th), dec")
            let weeks = try #require(try await store.histogram(cityID: city.id, interval: .week, from: from, to: to, categories: []))
            #expect(weeks.map(\.count) == [0, 3, 0, 0, 1, 0])
            let months = try #require(try await store.histogram(cityID: city.id, interval: .month, from: from, to: to, categories: ["festival"]))
            #expect(months.map(\.count) == [1, 0])
            #expect(try await store.histogram(cityID: 424_242, interval: .day, from: from, to: to, categories: []) == nil)
        }
    }

    /// Random data and random questions: both implementations give identical answers.
    @Test func randomWorkloadsAgree() async throws {
        var random = SeededRandom(seed: 20_261_124)
        let memory = InMemoryCitiesStore()
        try await withTestPool(migrated: true) { pool in
            let postgres = PostgresCitiesStore(pool: pool)
            var cities: [(City, City)] = []
            for index in 0..<12 {
                let city = draft("City \(index)", ["DE", "FR", "CH"][index % 3], active: index % 5 != 4)
                cities.append((try await memory.create(city), try await postgres.create(city)))
            }
            let categories = ["concert", "theatre", "sports", "festival"]
            for batch in 0..<4 {
                var memoryBatch: [Event] = []
                var postgresBatch: [Event] = []
                for item in 0..<150 {
                    let (memoryCity, postgresCity) = cities[Int(random.next() % UInt64(cities.count))]
                    let starts = referenceNow + Double(Int(random.next() % 2000) - 1000) * 3600
                    let ends = starts + Double(random.next() % 100) * 3600
                    let category = categories[Int(random.next() % 4)]
                    let status: EventStatus = random.next() % 7 == 0 ? .cancelled : .scheduled
                    let id = "e\((batch * 150 + item) % 400)"
                    memoryBatch.append(Event(externalID: id, cityID: memoryCity.id, category: category, startsAt: starts, endsAt: ends, status: status))
                    postgresBatch.append(Event(externalID: id, cityID: postgresCity.id, category: category, startsAt: starts, endsAt: ends, status: status))
                }
                let unique = Dictionary(memoryBatch.enumerated().map { ($0.element.externalID, $0.offset) }, uniquingKeysWith: max).values.sorted()
                let memorySummary = try await memory.upsert(unique.map { memoryBatch[$0] })
                let postgresSummary = try await postgres.upsert(unique.map { postgresBatch[$0] })
                #expect(memorySummary == postgresSummary)
            }
            for _ in 0..<40 {
                let start = referenceNow + Double(Int(random.next() % 2000) - 1000) * 3600
                let end = start + Double(random.next() % 500 + 1) * 3600
                let window: CountWindow? = switch random.next() % 4 {
                case 0: nil
                case 1: CountWindow(from: start)
                case 2: CountWindow(to: end)
                default: CountWindow(from: start, to: end)
                }
                let chosen = Set(categories.filter { _ in random.next() % 3 == 0 })
                let filter = EventCountFilter(window: window, categories: chosen)
                let country = random.next() % 4 == 0 ? "FR" : nil
                let now = referenceNow + Double(Int(random.next() % 200) - 100) * 3600
                let expected = await memory.eventCounts(filter, countryCode: country, now: now).map { [$0.slug: $0.eventCount] }
                let actual = try await postgres.eventCounts(filter, countryCode: country, now: now).map { [$0.slug: $0.eventCount] }
                #expect(actual == expected, "\(filter) country=\(String(describing: country))")
                let pick = Int(random.next() % UInt64(cities.count))
                let interval = CountInterval.allCases[Int(random.next() % 3)]
                let to = start + Double(random.next() % 2000 + 1) * 3600
                let memoryHistogram = await memory.histogram(cityID: cities[pick].0.id, interval: interval, from: start, to: to, categories: chosen)?.map(\.count)
                let postgresHistogram = try await postgres.histogram(cityID: cities[pick].1.id, interval: interval, from: start, to: to, categories: chosen)?.map(\.count)
                #expect(memoryHistogram == postgresHistogram)
                let ordering = CityOrdering(CityOrdering.Field.allCases[Int(random.next() % UInt64(CityOrdering.Field.allCases.count))], descending: random.next() % 2 == 0)
                let query = CityListQuery(page: 1, pageSize: 5, ordering: ordering, countryCode: country)
                let memoryPage = await memory.list(query, now: now).results.map { "\($0.city.slug):\($0.eventCount)" }
                let postgresPage = try await postgres.list(query, now: now).results.map { "\($0.city.slug):\($0.eventCount)" }
                #expect(memoryPage == postgresPage, "\(ordering)")
            }
        }
    }
}

/// splitmix64: reproducible pseudo-random numbers for property tests.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct TokenStoreContractTests {
    @Test(arguments: [Implementation.inMemory, .postgres])
    func tokensAuthenticateUntilRevoked(_ implementation: Implementation) async throws {
        func run(_ body: (any TokenStore) async throws -> Void) async throws {
            switch implementation {
            case .inMemory: try await body(InMemoryTokenStore())
            case .postgres, .live:
                try await withTestPool(migrated: true) { pool in try await body(PostgresTokenStore(pool: pool)) }
            }
        }
        try await run { store in
            let hash = Array(repeating: UInt8(7), count: 32)
            let other = Array(repeating: UInt8(9), count: 32)
            let token = try await store.create(name: "importer", keyHash: hash)
            #expect(token.name == "importer")
            await #expect(throws: ValidationErrors.self) { try await store.create(name: "importer", keyHash: other) }
            #expect(try await store.authenticate(keyHash: hash)?.name == "importer")
            #expect(try await store.authenticate(keyHash: hash)?.lastUsedAt != nil)
            #expect(try await store.authenticate(keyHash: other) == nil)
            #expect(try await store.list().map(\.name) == ["importer"])
            #expect(try await store.revoke(name: "importer"))
            #expect(try await !store.revoke(name: "importer"))
            #expect(try await store.authenticate(keyHash: hash) == nil)
            #expect(try await store.list().isEmpty)
            _ = try await store.create(name: "importer", keyHash: other)
        }
    }
}
