import CitiesCore

/// Upserts imported cities by GeoNames id (`cities.geonames_id`): one transaction per batch, the
/// rows streamed with COPY into a staging table and merged with one `INSERT … ON CONFLICT`.
///
/// A new city gets the first free slug of ``CityDraft/slugCandidates``; an existing one keeps its
/// slug. Which slugs are taken is read for the whole batch at once, under `LOCK TABLE cities IN
/// SHARE ROW EXCLUSIVE MODE`: that lock lets readers through but makes the API's city writes (and
/// another import) wait until the batch commits, so no create can take a slug between the check
/// and the insert. A batch of 10,000 holds it for a fraction of a second.
public enum CityImport {
    public struct Counts: Sendable, Hashable {
        public var created = 0
        public var updated = 0
        public var unchanged = 0

        public init(created: Int = 0, updated: Int = 0, unchanged: Int = 0) {
            self.created = created
            self.updated = updated
            self.unchanged = unchanged
        }

        public static func += (total: inout Counts, batch: Counts) {
            total.created += batch.created
            total.updated += batch.updated
            total.unchanged += batch.unchanged
        }
    }

    /// Writes one batch in its own transaction. The GeoNames ids must be distinct. Earlier cities
    /// of the batch get their pick of slugs first.
    public static func upsert(_ cities: [ImportedCity], on connection: PostgresConnection) throws -> Counts {
        guard !cities.isEmpty else { return Counts() }
        return try connection.transaction {
            try connection.execute(script: """
                CREATE TEMP TABLE IF NOT EXISTS city_import_staging (
                    geonames_id bigint NOT NULL, slug text NOT NULL, name text NOT NULL, country_code text NOT NULL,
                    region text, timezone text NOT NULL, latitude double precision, longitude double precision,
                    population bigint, alternate_names text[] NOT NULL, search_name text NOT NULL
                ) ON COMMIT DELETE ROWS;
                LOCK TABLE cities IN SHARE ROW EXCLUSIVE MODE
                """)
            let slugs = try slugs(for: cities, on: connection)
            let rows: [[String?]] = zip(cities, slugs).map { city, slug in
                let draft = city.draft
                return [String(city.geonameID), slug, draft.name, draft.countryCode, draft.region, draft.timezone,
                        draft.latitude.map { "\($0)" }, draft.longitude.map { "\($0)" }, draft.population.map { "\($0)" },
                        PostgresArrayLiteral(draft.alternateNames).text, SearchText.document(of: draft, slug: slug)]
            }
            try connection.copy("""
                COPY city_import_staging (geonames_id, slug, name, country_code, region, timezone, latitude, longitude,
                    population, alternate_names, search_name) FROM STDIN
                """, rows: rows)
            let counts = try connection.query("""
                WITH upserted AS (
                    INSERT INTO cities AS c (geonames_id, slug, name, country_code, region, timezone, latitude, longitude,
                        population, alternate_names, search_name)
                    SELECT geonames_id, slug, name, country_code, region, timezone, latitude, longitude,
                        population, alternate_names, search_name
                    FROM city_import_staging
                    ON CONFLICT (geonames_id) DO UPDATE SET
                        name = EXCLUDED.name, country_code = EXCLUDED.country_code, region = EXCLUDED.region,
                        timezone = EXCLUDED.timezone, latitude = EXCLUDED.latitude, longitude = EXCLUDED.longitude,
                        population = EXCLUDED.population, alternate_names = EXCLUDED.alternate_names,
                        search_name = EXCLUDED.search_name
                    WHERE (c.name, c.country_code, c.region, c.timezone, c.latitude, c.longitude, c.population,
                           c.alternate_names, c.search_name)
                        IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.country_code, EXCLUDED.region, EXCLUDED.timezone,
                           EXCLUDED.latitude, EXCLUDED.longitude, EXCLUDED.population, EXCLUDED.alternate_names,
                           EXCLUDED.search_name)
                    RETURNING (xmax = 0) AS inserted
                )
                SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM upserted
                """).first!
            let created = try counts.decode(Int.self, at: 0)
            let updated = try counts.decode(Int.self, at: 1)
            return Counts(created: created, updated: updated, unchanged: cities.count - created - updated)
        }
    }

    /// Each city's slug: its own for those already imported, else the first candidate that no
    /// city has and no earlier city of the batch took. The taken ones among the first few
    /// candidates of every new city come in one query; only cities whose first few are all taken
    /// need another round, with their next candidates.
    static func slugs(for cities: [ImportedCity], on connection: PostgresConnection) throws -> [String] {
        let ids = PostgresArrayLiteral(cities.map { String($0.geonameID) })
        let existing = try connection.query("SELECT geonames_id, slug FROM cities WHERE geonames_id = ANY ($1::bigint[])", [ids])
            .rows.reduce(into: [Int64: String]()) { slugs, row in slugs[try row.decode(Int64.self, at: 0)] = try row.decode(String.self, at: 1) }
        var slugs = cities.map { existing[$0.geonameID] }
        var claimed = Set(existing.values)
        var unresolved = slugs.indices.filter { slugs[$0] == nil }
        var tried = 0
        var window = 6
        while !unresolved.isEmpty {
            guard tried < PostgresCitiesStore.slugCandidateLimit else {
                throw ValidationErrors(["slug": ["Could not find a free slug for this name; provide one."]])
            }
            let candidates = unresolved.map { Array(cities[$0].draft.slugCandidates.dropFirst(tried).prefix(window)) }
            let taken = Set(try connection.query("SELECT slug FROM cities WHERE slug = ANY ($1::text[])", [PostgresArrayLiteral(candidates.flatMap { $0 })])
                .rows.map { try $0.decode(String.self, at: 0) })
            var next: [Int] = []
            for (index, list) in zip(unresolved, candidates) {
                if let free = list.first(where: { !taken.contains($0) && !claimed.contains($0) }) {
                    slugs[index] = free
                    claimed.insert(free)
                } else {
                    next.append(index)
                }
            }
            unresolved = next
            tried += window
            window = 32
        }
        return slugs.map { $0! }
    }
}
