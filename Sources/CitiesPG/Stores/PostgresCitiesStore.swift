import CitiesCore
import Foundation

/// `CityStore`, `EventStore` and `EventCountQuery` on PostgreSQL: one statement per read (a
/// histogram takes three, in one REPEATABLE READ snapshot), bound parameters only (the ORDER BY
/// clause is made of fixed terms, never of input).
public struct PostgresCitiesStore: CityStore, EventStore, EventCountQuery {
    /// Where every call runs, one connection per call.
    public let pool: PGPool

    /// A store keeps nothing but `pool`: any number of them may share one.
    public init(pool: PGPool) {
        self.pool = pool
    }

    static let cityColumns = """
        c.id, c.slug, c.name, c.country_code, c.region, c.timezone, c.latitude, c.longitude,
        c.population, c.is_active, c.alternate_names, c.created_at, c.updated_at
        """

    // The count fragments below leave `$1` to the query they are part of; `$2` is the categories
    // (NULL: all).

    /// Scheduled events not over at `$3` (ends_at > now), per city. Plain SQL: its cost grows with
    /// the events; ``LiveCitiesStore`` answers these from memory.
    static let currentCounts = """
        SELECT city_id, count(*) AS n FROM events
        WHERE status = 'scheduled' AND ends_at > $3::timestamptz AND ($2::text[] IS NULL OR category = ANY ($2::text[]))
        GROUP BY city_id
        """

    /// Scheduled events overlapping the window `[$3, $5)` per city (`$4`, `$6`: the UTC midnights at
    /// or before `$3`, `$5`; an open end is `infinity`), from the day counts: events starting before
    /// `to` minus events ending at or before `from`, plus the events lying wholly in `[to, from]`,
    /// which the first part lacks and the second subtracts — there are some only when `from` is after
    /// `to` (`to` alone, in the past: `from` is now). Whole days come from ``event_day_counts``; only
    /// when `from` or `to` is not a UTC midnight are the events of that boundary day read, through the
    /// `starts_at`/`ends_at` indexes.
    static let windowCounts = """
        SELECT city_id, sum(n)::bigint AS n FROM (
            SELECT city_id,
                   COALESCE(sum(starting) FILTER (WHERE day < ($6::timestamptz AT TIME ZONE 'UTC')::date), 0)
                 - COALESCE(sum(ending) FILTER (WHERE day < ($4::timestamptz AT TIME ZONE 'UTC')::date), 0) AS n
            FROM event_day_counts
            WHERE day < GREATEST(($6::timestamptz AT TIME ZONE 'UTC')::date, ($4::timestamptz AT TIME ZONE 'UTC')::date)
              AND ($2::text[] IS NULL OR category = ANY ($2::text[]))
            GROUP BY city_id
            UNION ALL
            SELECT city_id, count(*) FROM events
            WHERE status = 'scheduled' AND starts_at >= $6::timestamptz AND starts_at < $5::timestamptz
              AND ($2::text[] IS NULL OR category = ANY ($2::text[]))
            GROUP BY city_id
            UNION ALL
            SELECT city_id, -count(*) FROM events
            WHERE status = 'scheduled' AND ends_at > $4::timestamptz AND ends_at <= $3::timestamptz
              AND ($2::text[] IS NULL OR category = ANY ($2::text[]))
            GROUP BY city_id
            UNION ALL
            SELECT city_id, count(*) FROM events
            WHERE status = 'scheduled' AND starts_at >= $5::timestamptz AND starts_at <= $3::timestamptz AND ends_at <= $3::timestamptz
              AND ($2::text[] IS NULL OR category = ANY ($2::text[]))
            GROUP BY city_id
        ) parts
        GROUP BY city_id
        """

    /// PostgreSQL's timestamp after every other: the bound of a window open at the end.
    static let openEnd = "infinity"

    // MARK: CityStore

    /// One statement over `cities` and `events`: each city's scheduled events not over at `now`
    /// (`ends_at > now`) are counted from `events`, so the cost grows with them; search terms match
    /// `cities.search_name` with `LIKE`. The total and the page come from the same snapshot.
    public func list(_ query: CityListQuery, now: Date) async throws -> CityPage {
        let terms = query.searchTerms
        let patterns = terms.isEmpty ? nil : PGArrayLiteral(terms.map { "%" + Self.escapeLike($0) + "%" })
        let sql = """
            WITH counts AS (\(Self.currentCounts)),
            matching AS (
                SELECT \(Self.cityColumns), COALESCE(counts.n, 0) AS event_count
                FROM cities c LEFT JOIN counts ON counts.city_id = c.id
                WHERE ($1::text IS NULL OR c.country_code = $1::text)
                  AND ($4::bool IS NULL OR c.is_active = $4::bool)
                  AND ($5::text[] IS NULL OR c.search_name LIKE ALL ($5::text[]))
            )
            SELECT total.n, page.* FROM (SELECT count(*) AS n FROM matching) total
            LEFT JOIN LATERAL (
                SELECT * FROM matching c ORDER BY \(Self.orderBy(query.ordering)) LIMIT $6 OFFSET $7
            ) page ON true
            """
        let parameters: [(any PGEncodable)?] = [
            query.countryCode, nil, now, query.isActive, patterns, query.pageSize, (query.page - 1) * query.pageSize,
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

    /// One statement: the `cities` row and its scheduled events with `ends_at > now`, counted from
    /// `events`.
    public func city(id: Int64, now: Date) async throws -> CityWithEventCount? {
        let sql = """
            WITH counts AS (\(Self.currentCounts))
            SELECT \(Self.cityColumns), COALESCE((SELECT n FROM counts WHERE city_id = c.id), 0) AS event_count
            FROM cities c WHERE c.id = $1
            """
        return try await pool.withConnection { connection in
            try connection.query(sql, [id, nil, now]).first.map { row in
                CityWithEventCount(city: try Self.city(from: row), eventCount: try row.decode(Int.self, named: "event_count"))
            }
        }
    }

    /// Without a slug, the first free one of the draft's candidates: the first is tried at once,
    /// the next ones in batches whose taken slugs are skipped with one query, and a candidate
    /// another create takes meanwhile is passed over (`ON CONFLICT DO NOTHING` waits for that
    /// create to commit or roll back).
    public func create(_ draft: CityDraft) async throws -> City {
        let draft = try CitySerializer().validate(draft)
        let insert = """
            INSERT INTO cities AS c (\(Self.writtenColumns))
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::text[], $11)
            """
        @Sendable func parameters(_ draft: CityDraft, slug: String) -> [(any PGEncodable)?] {
            Self.parameters(of: draft) + [SearchText.document(of: draft, slug: slug)]
        }
        if let slug = draft.slug {
            guard let city = try await writeCity(insert + " RETURNING \(Self.cityColumns)", parameters(draft, slug: slug)) else {
                throw PGError.unexpected("INSERT … RETURNING returned no row")
            }
            return city
        }
        let created = try await write { connection -> City? in
            var candidates = draft.slugCandidates.prefix(Self.slugCandidateLimit).makeIterator()
            var batchSize = 1  // most names are free: the first candidate is tried without asking
            while true {
                var batch: [String] = []
                while batch.count < batchSize, let candidate = candidates.next() { batch.append(candidate) }
                if batch.isEmpty { break }
                let taken = batchSize == 1 ? [] : Set(try connection.query("SELECT slug FROM cities WHERE slug = ANY ($1::text[])", [PGArrayLiteral(batch)])
                    .rows.map { try $0.decode(String.self, at: 0) })
                batchSize = 16
                for slug in batch where !taken.contains(slug) {
                    var named = draft
                    named.slug = slug
                    let row = try connection.query(insert + " ON CONFLICT (slug) DO NOTHING RETURNING \(Self.cityColumns)", parameters(named, slug: slug)).first
                    if let row { return try Self.city(from: row) }
                }
            }
            return nil
        }
        guard let created else {
            throw ValidationErrors(["slug": ["Could not find a free slug for this name; provide one."]])
        }
        return created
    }

    /// Without a slug, the city keeps its own.
    public func update(id: Int64, with draft: CityDraft) async throws -> City? {
        let draft = try CitySerializer().validate(draft)
        let sql = """
            UPDATE cities AS c SET (\(Self.writtenColumns)) = (COALESCE($1, c.slug), $2, $3, $4, $5, $6, $7, $8, $9, $10::text[],
                concat_ws(E'\\n', $11::text, COALESCE($1, c.slug), $12::text))
            WHERE c.id = $13
            RETURNING \(Self.cityColumns)
            """
        // The search document around the slug the city may keep: ``SearchText/FoldedNames``' parts.
        let folded = SearchText.FoldedNames(of: draft)
        let others = folded.others.isEmpty ? nil : folded.others.joined(separator: "\n")
        return try await writeCity(sql, Self.parameters(of: draft) + [folded.name, others, id])
    }

    /// Deletes the `cities` row; its events go by `ON DELETE CASCADE`. With an idempotency key, the
    /// delete and its saved answer commit together.
    public func delete(id: Int64) async throws -> Bool {
        try await write { try $0.query("DELETE FROM cities WHERE id = $1", [id]).affectedRows == 1 ? true : nil } ?? false
    }

    // MARK: EventStore

    /// Rows are written, and so locked, in one global order (by `external_id`): batches that
    /// overlap wait for each other instead of deadlocking.
    public func upsert(_ events: [Event]) async throws -> UpsertSummary {
        guard !events.isEmpty else { return UpsertSummary() }
        let events = try EventSerializer().validate(events)
        let rows: [[String?]] = events.enumerated().map { index, event in
            [String(index), event.externalID, String(event.cityID), event.category,
             PGTimestamp.isoString(event.startsAt), PGTimestamp.isoString(event.endsAt), event.status.rawValue]
        }
        let pending = PendingAnswer.current
        let outcome: Result<UpsertSummary, BulkValidationErrors> = try await pool.withTransaction { connection in
            try pending?.claim(on: connection)
            // Empty at the start of every transaction: commits empty it, rollbacks discard what was
            // copied. No TRUNCATE: it gives the table a new file each time, which also throws away
            // the cached plans of the statements below (they were planned again for every batch).
            try connection.execute(script: """
                CREATE TEMP TABLE IF NOT EXISTS event_staging (
                    ord int NOT NULL, external_id text NOT NULL, city_id bigint NOT NULL, category text NOT NULL,
                    starts_at timestamptz NOT NULL, ends_at timestamptz NOT NULL, status text NOT NULL
                ) ON COMMIT DELETE ROWS
                """)
            try connection.copy("COPY event_staging (ord, external_id, city_id, category, starts_at, ends_at, status) FROM STDIN", rows: rows)
            // The cities stay until this commits (a concurrent DELETE waits), and one deleted
            // before is missing from the check below: an unknown city is a 400, never a foreign
            // key violation halfway through the upsert.
            try connection.query("""
                SELECT 1 FROM cities WHERE id IN (SELECT city_id FROM event_staging) ORDER BY id FOR KEY SHARE
                """)
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
                    ORDER BY external_id COLLATE "C"
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
            let summary = UpsertSummary(created: created, updated: updated, unchanged: events.count - created - updated)
            try pending?.save(answerTo: summary, on: connection)
            return .success(summary)
        }
        return try outcome.get()
    }

    /// Deletes the `events` row with that `external_id`. With an idempotency key, the delete and its
    /// saved answer commit together.
    public func delete(externalID: String) async throws -> Bool {
        try await write { try $0.query("DELETE FROM events WHERE external_id = $1", [externalID]).affectedRows == 1 ? true : nil } ?? false
    }

    // MARK: EventCountQuery

    /// One statement. Without a window, each city's scheduled events not over at `now` are counted
    /// from `events`; a window (starting at `now` when it has no `from`) is counted from
    /// `event_day_counts`, reading `events` only for its boundary days.
    public func eventCounts(_ filter: EventCountFilter, countryCode: String?, now: Date) async throws -> [CityEventCount] {
        let window: [(any PGEncodable)?] = filter.window.map { window in
            let from = window.from ?? now
            return [from, UTCDay.start(of: from)] + (window.to.map { [$0, UTCDay.start(of: $0)] } ?? [Self.openEnd, Self.openEnd])
        } ?? [now]
        let parameters = [countryCode, Self.categories(filter.categories)] + window
        let sql = """
            WITH counts AS (\(filter.window == nil ? Self.currentCounts : Self.windowCounts))
            SELECT c.id, c.slug, c.name, COALESCE(counts.n, 0)
            FROM cities c LEFT JOIN counts ON counts.city_id = c.id
            WHERE c.is_active AND ($1::text IS NULL OR c.country_code = $1::text)
            ORDER BY c.name COLLATE "C", c.id
            """
        return try await pool.withConnection { connection in
            try connection.query(sql, parameters).rows.map { row in
                CityEventCount(id: try row.decode(Int64.self, at: 0), slug: try row.decode(String.self, at: 1),
                               name: try row.decode(String.self, at: 2), eventCount: try row.decode(Int.self, at: 3))
            }
        }
    }

    /// From one city's day counts: `count(bucket) = starting before its end - ending at or before its
    /// start`, with prefix sums over the days; the boundary days of a window that does not start or
    /// end at midnight are corrected from their events, as in ``eventCounts(_:countryCode:now:)``.
    public func histogram(cityID: Int64, interval: CountInterval, from: Date, to: Date, categories: Set<String>) async throws -> [CountBucket]? {
        let buckets = interval.buckets(from: from, to: to)
        let days = """
            SELECT (day - DATE '1970-01-01')::int8, sum(starting)::int8, sum(ending)::int8 FROM event_day_counts
            WHERE city_id = $1 AND day < ($3::timestamptz AT TIME ZONE 'UTC')::date AND ($2::text[] IS NULL OR category = ANY ($2::text[]))
            GROUP BY day ORDER BY day
            """
        let boundaries = """
            SELECT count(*) FILTER (WHERE starts_at >= $4::timestamptz AND starts_at < $3::timestamptz),
                   count(*) FILTER (WHERE ends_at > $6::timestamptz AND ends_at <= $5::timestamptz)
            FROM events
            WHERE city_id = $1 AND status = 'scheduled' AND ($2::text[] IS NULL OR category = ANY ($2::text[]))
              AND ((starts_at >= $4::timestamptz AND starts_at < $3::timestamptz) OR (ends_at > $6::timestamptz AND ends_at <= $5::timestamptz))
            """
        let categories = Self.categories(categories)
        let toMidnight = UTCDay.start(of: to)
        // Three statements, one snapshot: a write committing between them must not skew a bucket.
        return try await pool.withConnection { connection -> [CountBucket]? in
            try connection.transaction(PGTransactionMode(isolation: .repeatableRead, readOnly: true)) {
                guard try connection.query("SELECT 1 FROM cities WHERE id = $1", [cityID]).rowCount == 1 else { return nil }
                if buckets.isEmpty { return [] }
                let dayRows = try connection.query(days, [cityID, categories, toMidnight]).rows
                let boundary = try connection.query(boundaries, [cityID, categories, to, toMidnight, from, UTCDay.start(of: from)]).first!
                let totals = try DayTotals(rows: dayRows.map { row in
                    (day: try row.decode(Int64.self, at: 0), starting: try row.decode(Int.self, at: 1), ending: try row.decode(Int.self, at: 2))
                })
                let startingBeforeTo = try boundary.decode(Int.self, at: 0)
                let endingByFrom = try boundary.decode(Int.self, at: 1)
                return buckets.enumerated().map { index, bucket in
                    let starting = totals.startingBefore(midnightOf: bucket.end) + (index == buckets.count - 1 ? startingBeforeTo : 0)
                    let ending = totals.endingBefore(midnightOf: bucket.start) + (index == 0 ? endingByFrom : 0)
                    return CountBucket(start: bucket.start, end: bucket.end, count: starting - ending)
                }
            }
        }
    }

    // MARK: Helpers

    private func writeCity(_ sql: String, _ parameters: [(any PGEncodable)?]) async throws -> City? {
        do {
            return try await write { connection in try connection.query(sql, parameters).first.map(Self.city(from:)) }
        } catch let error as PGError where error.serverError?.constraint == "cities_slug_key" {
            throw ValidationErrors(["slug": [CityMessages.duplicateSlug]])
        }
    }

    /// Runs a one-statement write. With a ``PendingAnswer`` (a request with an idempotency key) it
    /// runs in a transaction that claims the key first and, when the write returns a result (nil:
    /// nothing written), saves the answer to it before committing.
    private func write<Result: Sendable>(_ body: @escaping @Sendable (PGConnection) throws -> Result?) async throws -> Result? {
        guard let pending = PendingAnswer.current else { return try await pool.withConnection(body) }
        return try await pool.withTransaction { connection in
            try pending.claim(on: connection)
            let result = try body(connection)
            if let result { try pending.save(answerTo: result, on: connection) }
            return result
        }
    }

    /// A create tries this many slugs before asking for one.
    static let slugCandidateLimit = 10_000

    /// The columns a write sets, in the order of ``parameters(of:)``.
    static let writtenColumns = """
        slug, name, country_code, region, timezone, latitude, longitude, population, is_active, alternate_names, search_name
        """

    /// `$1`…`$10` for ``writtenColumns``; the last, the search document, needs the slug (a create
    /// passes it; an update may keep the city's and assembles the document in SQL).
    static func parameters(of draft: CityDraft) -> [(any PGEncodable)?] {
        [draft.slug, draft.name, draft.countryCode, draft.region, draft.timezone, draft.latitude, draft.longitude,
         draft.population, draft.isActive, PGArrayLiteral(draft.alternateNames)]
    }


    static func city(from row: PGRow) throws -> City {
        City(
            id: try row.decode(Int64.self, named: "id"),
            slug: try row.decode(String.self, named: "slug"),
            draft: CityDraft(
                name: try row.decode(String.self, named: "name"),
                countryCode: try row.decode(String.self, named: "country_code"), region: try row.decode(String?.self, named: "region"),
                timezone: try row.decode(String.self, named: "timezone"), latitude: try row.decode(Double?.self, named: "latitude"),
                longitude: try row.decode(Double?.self, named: "longitude"), population: try row.decode(Int64?.self, named: "population"),
                isActive: try row.decode(Bool.self, named: "is_active"),
                alternateNames: try row.decode(PGArrayLiteral.self, named: "alternate_names").elements),
            createdAt: try row.decode(Date.self, named: "created_at"),
            updatedAt: try row.decode(Date.self, named: "updated_at"))
    }

    static func categories(_ categories: Set<String>) -> PGArrayLiteral? {
        categories.isEmpty ? nil : PGArrayLiteral(categories.sorted())
    }

    static func escapeLike(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if character == "\\" || character == "%" || character == "_" { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }

    /// Built from a fixed set of terms, never from input; ties by id. Text sorts by code point
    /// (`COLLATE "C"`) so every server, whatever its locale, orders alike, and as
    /// ``CityOrdering/precedes(_:_:)`` does in memory.
    static func orderBy(_ ordering: CityOrdering) -> String {
        let terms = ordering.terms.map { term -> String in
            let column: String
            switch term.field {
            case .id: column = "c.id"
            case .slug: column = "c.slug COLLATE \"C\""
            case .name: column = "c.name COLLATE \"C\""
            case .countryCode: column = "c.country_code COLLATE \"C\""
            case .population: column = "c.population"
            case .createdAt: column = "c.created_at"
            case .eventCount: column = "c.event_count"
            }
            return column + (term.descending ? " DESC" : " ASC")
        }
        return (terms + ["c.id"]).joined(separator: ", ")
    }
}
