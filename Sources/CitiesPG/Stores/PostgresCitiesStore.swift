import CitiesCore
import Foundation

/// ``CityStore``, ``EventStore`` and ``EventCountQuery`` on PostgreSQL: one statement per read,
/// bound parameters only (the ORDER BY clause is picked from a fixed set, never built from input).
public struct PostgresCitiesStore: CityStore, EventStore, EventCountQuery {
    public let pool: PostgresPool

    public init(pool: PostgresPool) {
        self.pool = pool
    }

    static let cityColumns = """
        c.id, c.slug, c.name, c.country_code, c.region, c.timezone, c.latitude, c.longitude,
        c.population, c.is_active, c.created_at, c.updated_at
        """

    /// Scheduled events overlapping `[$from, $to)`; a NULL `$to` means open-ended ("not over yet").
    static let countedEvents = """
        SELECT city_id, count(*) AS n FROM events
        WHERE status = 'scheduled' AND ends_at > $1::timestamptz
          AND ($2::timestamptz IS NULL OR starts_at < $2::timestamptz)
          AND ($3::text[] IS NULL OR category = ANY ($3::text[]))
        GROUP BY city_id
        """

    // MARK: CityStore

    public func list(_ query: CityListQuery, now: Date) async throws -> CityPage {
        let pattern = query.search.flatMap { $0.isEmpty ? nil : "%" + Self.escapeLike(SearchText.fold($0)) + "%" }
        let sql = """
            WITH counts AS (\(Self.countedEvents)),
            matching AS (
                SELECT \(Self.cityColumns), COALESCE(counts.n, 0) AS event_count
                FROM cities c LEFT JOIN counts ON counts.city_id = c.id
                WHERE ($4::text IS NULL OR c.country_code = $4::text)
                  AND ($5::bool IS NULL OR c.is_active = $5::bool)
                  AND ($6::text IS NULL OR c.search_name LIKE $6::text ESCAPE '\\')
            )
            SELECT total.n, page.* FROM (SELECT count(*) AS n FROM matching) total
            LEFT JOIN LATERAL (
                SELECT * FROM matching c ORDER BY \(Self.orderBy(query.ordering)) LIMIT $7 OFFSET $8
            ) page ON true
            """
        let parameters: [(any PostgresEncodable)?] = [
            now, nil, nil, query.countryCode, query.isActive, pattern, query.pageSize, (query.page - 1) * query.pageSize,
        ]
        return try await pool.withConnection { connection in
            let rows = try connection.query(sql, parameters).rows
            let count = try rows.first?.decode(Int.self, at: 0) ?? 0
            let results = try rows.compactMap { row -> CityWithEventCount? in
                guard try row.decode(Int64?.self, named: "id") != nil else { return nil }
                return CityWithEventCount(city: try Self.city(from: row), eventCount: try row.decode(Int.self, named: "event_count"))
            }
            return CityPage(count: count, results: results)
        }
    }

    public func city(id: Int64, now: Date) async throws -> CityWithEventCount? {
        let sql = """
            WITH counts AS (\(Self.countedEvents))
            SELECT \(Self.cityColumns), COALESCE((SELECT n FROM counts WHERE city_id = c.id), 0) AS event_count
            FROM cities c WHERE c.id = $4
            """
        return try await pool.withConnection { connection in
            try connection.query(sql, [now, nil, nil, id]).first.map { row in
                CityWithEventCount(city: try Self.city(from: row), eventCount: try row.decode(Int.self, named: "event_count"))
            }
        }
    }

    public func create(_ draft: CityDraft) async throws -> City {
        let sql = """
            INSERT INTO cities AS c (slug, name, country_code, region, timezone, latitude, longitude, population, is_active, search_name)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            RETURNING \(Self.cityColumns)
            """
        guard let city = try await writeCity(sql, Self.parameters(of: draft)) else {
            throw PostgresError.unexpected("INSERT … RETURNING returned no row")
        }
        return city
    }

    public func update(id: Int64, with draft: CityDraft) async throws -> City? {
        let sql = """
            UPDATE cities AS c SET slug = $1, name = $2, country_code = $3, region = $4, timezone = $5, latitude = $6,
                longitude = $7, population = $8, is_active = $9, search_name = $10
            WHERE c.id = $11
            RETURNING \(Self.cityColumns)
            """
        return try await writeCity(sql, Self.parameters(of: draft) + [id])
    }

    public func delete(id: Int64) async throws -> Bool {
        try await pool.withConnection { try $0.query("DELETE FROM cities WHERE id = $1", [id]).affectedRows == 1 }
    }

    // MARK: EventStore

    public func upsert(_ events: [Event]) async throws -> UpsertSummary {
        guard !events.isEmpty else { return UpsertSummary() }
        if let duplicates = Event.duplicateIDErrors(events) { throw BulkValidationErrors.items(duplicates) }
        let rows: [[String?]] = events.enumerated().map { index, event in
            [String(index), event.externalID, String(event.cityID), event.category,
             PostgresTimestamp.isoString(event.startsAt), PostgresTimestamp.isoString(event.endsAt), event.status.rawValue]
        }
        let outcome: Result<UpsertSummary, BulkValidationErrors> = try await pool.withTransaction { connection in
            try connection.execute(script: """
                CREATE TEMP TABLE IF NOT EXISTS event_staging (
                    ord int NOT NULL, external_id text NOT NULL, city_id bigint NOT NULL, category text NOT NULL,
                    starts_at timestamptz NOT NULL, ends_at timestamptz NOT NULL, status text NOT NULL
                ) ON COMMIT DELETE ROWS
                """)
            try connection.execute(script: "TRUNCATE event_staging")
            try connection.copy("COPY event_staging (ord, external_id, city_id, category, starts_at, ends_at, status) FROM STDIN", rows: rows)
            let unknown = try connection.query("""
                SELECT s.ord, s.city_id FROM event_staging s
                WHERE NOT EXISTS (SELECT 1 FROM cities c WHERE c.id = s.city_id)
                """).rows
            if !unknown.isEmpty {
                var itemErrors = Array(repeating: ValidationErrors(), count: events.count)
                for row in unknown {
                    itemErrors[try row.decode(Int.self, at: 0)] = ValidationErrors(["city": [CityMessages.unknownCity(try row.decode(Int64.self, at: 1))]])
                }
                return .failure(BulkValidationErrors.items(itemErrors))
            }
            let counts = try connection.query("""
                WITH upserted AS (
                    INSERT INTO events AS e (external_id, city_id, category, starts_at, ends_at, status)
                    SELECT external_id, city_id, category, starts_at, ends_at, status FROM event_staging
                    ON CONFLICT (external_id) DO UPDATE SET
                        city_id = EXCLUDED.city_id, category = EXCLUDED.category, starts_at = EXCLUDED.starts_at,
                        ends_at = EXCLUDED.ends_at, status = EXCLUDED.status
                    WHERE (e.city_id, e.category, e.starts_at, e.ends_at, e.status)
                        IS DISTINCT FROM (EXCLUDED.city_id, EXCLUDED.category, EXCLUDED.starts_at, EXCLUDED.ends_at, EXCLUDED.status)
                    RETURNING (xmax = 0) AS inserted
                )
                SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM upserted
                """).first!
            let created = try counts.decode(Int.self, at: 0)
            let updated = try counts.decode(Int.self, at: 1)
            return .success(UpsertSummary(created: created, updated: updated, unchanged: events.count - created - updated))
        }
        return try outcome.get()
    }

    public func delete(externalID: String) async throws -> Bool {
        try await pool.withConnection { try $0.query("DELETE FROM events WHERE external_id = $1", [externalID]).affectedRows == 1 }
    }

    // MARK: EventCountQuery

    public func eventCounts(_ filter: EventCountFilter, countryCode: String?, now: Date) async throws -> [CityEventCount] {
        let sql = """
            WITH counts AS (\(Self.countedEvents))
            SELECT c.id, c.slug, c.name, COALESCE(counts.n, 0)
            FROM cities c LEFT JOIN counts ON counts.city_id = c.id
            WHERE c.is_active AND ($4::text IS NULL OR c.country_code = $4::text)
            ORDER BY c.name COLLATE "C", c.id
            """
        let parameters: [(any PostgresEncodable)?] = [
            filter.window?.start ?? now, filter.window?.end, Self.categories(filter.categories), countryCode,
        ]
        return try await pool.withConnection { connection in
            try connection.query(sql, parameters).rows.map { row in
                CityEventCount(id: try row.decode(Int64.self, at: 0), slug: try row.decode(String.self, at: 1),
                               name: try row.decode(String.self, at: 2), eventCount: try row.decode(Int.self, at: 3))
            }
        }
    }

    public func histogram(cityID: Int64, interval: CountInterval, from: Date, to: Date, categories: Set<String>) async throws -> [CountBucket]? {
        let buckets = interval.buckets(from: from, to: to)
        let sql = """
            SELECT b.ord, count(e.id)
            FROM (SELECT id FROM cities WHERE id = $1) city
            CROSS JOIN unnest($2::timestamptz[], $3::timestamptz[]) WITH ORDINALITY AS b (start_at, end_at, ord)
            LEFT JOIN events e ON e.city_id = city.id AND e.status = 'scheduled'
                AND e.starts_at < b.end_at AND e.ends_at > b.start_at
                AND ($4::text[] IS NULL OR e.category = ANY ($4::text[]))
            GROUP BY b.ord ORDER BY b.ord
            """
        let parameters: [(any PostgresEncodable)?] = [
            cityID, PostgresArrayLiteral(buckets.map { PostgresTimestamp.isoString($0.start) }),
            PostgresArrayLiteral(buckets.map { PostgresTimestamp.isoString($0.end) }), Self.categories(categories),
        ]
        return try await pool.withConnection { connection in
            if buckets.isEmpty {
                return try connection.query("SELECT 1 FROM cities WHERE id = $1", [cityID]).rowCount == 0 ? nil : []
            }
            let counts = try connection.query(sql, parameters).rows
            guard counts.count == buckets.count else { return nil }
            return try zip(buckets, counts).map { bucket, row in
                CountBucket(start: bucket.start, end: bucket.end, count: try row.decode(Int.self, at: 1))
            }
        }
    }

    // MARK: Helpers

    private func writeCity(_ sql: String, _ parameters: [(any PostgresEncodable)?]) async throws -> City? {
        do {
            return try await pool.withConnection { connection in try connection.query(sql, parameters).first.map(Self.city(from:)) }
        } catch let error as PostgresError where error.serverError?.constraint == "cities_slug_key" {
            throw ValidationErrors(["slug": [CityMessages.duplicateSlug]])
        }
    }

    static func parameters(of draft: CityDraft) -> [(any PostgresEncodable)?] {
        [draft.slug, draft.name, draft.countryCode, draft.region, draft.timezone, draft.latitude, draft.longitude,
         draft.population, draft.isActive, SearchText.fold(draft.name)]
    }

    static func city(from row: PostgresRow) throws -> City {
        City(
            id: try row.decode(Int64.self, named: "id"),
            draft: CityDraft(
                slug: try row.decode(String.self, named: "slug"), name: try row.decode(String.self, named: "name"),
                countryCode: try row.decode(String.self, named: "country_code"), region: try row.decode(String?.self, named: "region"),
                timezone: try row.decode(String.self, named: "timezone"), latitude: try row.decode(Double?.self, named: "latitude"),
                longitude: try row.decode(Double?.self, named: "longitude"), population: try row.decode(Int64?.self, named: "population"),
                isActive: try row.decode(Bool.self, named: "is_active")),
            createdAt: try row.decode(Date.self, named: "created_at"),
            updatedAt: try row.decode(Date.self, named: "updated_at"))
    }

    static func categories(_ categories: Set<String>) -> PostgresArrayLiteral? {
        categories.isEmpty ? nil : PostgresArrayLiteral(categories.sorted())
    }

    static func escapeLike(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if character == "\\" || character == "%" || character == "_" { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }

    /// One of a fixed set of clauses; ties by id. `name` sorts by code point (`COLLATE "C"`) so every
    /// server, whatever its locale, orders alike.
    static func orderBy(_ ordering: CityOrdering) -> String {
        let direction = ordering.descending ? "DESC" : "ASC"
        switch ordering.field {
        case .name: return "c.name COLLATE \"C\" \(direction), c.id"
        case .eventCount: return "c.event_count \(direction), c.id"
        case .population: return "c.population \(direction), c.id"
        case .createdAt: return "c.created_at \(direction), c.id"
        }
    }
}
