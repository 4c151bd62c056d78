import CitiesCore

/// Upserts imported cities by GeoNames id (`cities.geonames_id`), one transaction per batch.
///
/// The batch runs under `LOCK TABLE cities IN SHARE ROW EXCLUSIVE MODE`: that lock lets readers
/// through but makes the API's city writes (and another import) wait until the batch commits, so
/// which GeoNames ids exist and which slugs are taken cannot change under it. New cities are then
/// streamed with COPY straight into `cities` (the rows are built while the server inserts the ones
/// before); cities already imported go through a staging table and one `UPDATE`, which skips those
/// whose values did not change.
///
/// A new city gets the first free slug of ``CityDraft/slugCandidates``; an existing one keeps its
/// slug. The taken ones are read for the whole batch at once.
///
/// The batches commit with `synchronous_commit = off`: a server crash may lose the last batches
/// committed (whole), which running the import again writes; it saves a WAL flush per batch.
package enum CityImport {
    package struct Counts: Sendable, Hashable {
        package var created = 0
        package var updated = 0
        package var unchanged = 0

        package init(created: Int = 0, updated: Int = 0, unchanged: Int = 0) {
            self.created = created
            self.updated = updated
            self.unchanged = unchanged
        }

        package static func += (total: inout Counts, batch: Counts) {
            total.created += batch.created
            total.updated += batch.updated
            total.unchanged += batch.unchanged
        }
    }

    static let columns = "geonames_id, slug, name, country_code, region, timezone, latitude, longitude, population, alternate_names, search_name"

    /// Writes one batch in its own transaction. The GeoNames ids must be distinct. Earlier cities
    /// of the batch get their pick of slugs first.
    package static func upsert(_ cities: [ImportedCity], on connection: PGConnection) throws -> Counts {
        guard !cities.isEmpty else { return Counts() }
        return try connection.transaction {
            try connection.execute(script: "SET LOCAL synchronous_commit = off; LOCK TABLE cities IN SHARE ROW EXCLUSIVE MODE")
            let ids = PGArrayLiteral(cities.map { String($0.geonameID) })
            let existing = try connection.query("SELECT geonames_id, slug FROM cities WHERE geonames_id = ANY ($1::bigint[])", [ids])
                .rows.reduce(into: [Int64: String]()) { slugs, row in slugs[try row.decode(Int64.self, at: 0)] = try row.decode(String.self, at: 1) }
            let new = cities.filter { existing[$0.geonameID] == nil }
            var counts = Counts()
            if !new.isEmpty {
                let slugs = try slugs(for: new, on: connection)
                counts.created = try connection.copy("COPY cities (\(columns)) FROM STDIN", rows: zip(new, slugs).lazy.map(row))
            }
            let old = cities.compactMap { city in existing[city.geonameID].map { (city, $0) } }
            if !old.isEmpty {
                try connection.execute(script: """
                    CREATE TEMP TABLE IF NOT EXISTS city_import_staging (
                        geonames_id bigint NOT NULL, slug text NOT NULL, name text NOT NULL, country_code text NOT NULL,
                        region text, timezone text NOT NULL, latitude double precision, longitude double precision,
                        population bigint, alternate_names text[] NOT NULL, search_name text NOT NULL
                    ) ON COMMIT DELETE ROWS
                    """)
                try connection.copy("COPY city_import_staging (\(columns)) FROM STDIN", rows: old.lazy.map(row))
                counts.updated = try connection.query("""
                    UPDATE cities AS c SET
                        name = s.name, country_code = s.country_code, region = s.region, timezone = s.timezone,
                        latitude = s.latitude, longitude = s.longitude, population = s.population,
                        alternate_names = s.alternate_names, search_name = s.search_name
                    FROM city_import_staging s
                    WHERE c.geonames_id = s.geonames_id
                      AND (c.name, c.country_code, c.region, c.timezone, c.latitude, c.longitude, c.population, c.alternate_names, c.search_name)
                          IS DISTINCT FROM (s.name, s.country_code, s.region, s.timezone, s.latitude, s.longitude, s.population, s.alternate_names, s.search_name)
                    """).affectedRows
                counts.unchanged = old.count - counts.updated
            }
            return counts
        }
    }

    /// The COPY row of a city with its slug; the search document is ``SearchText/document(of:slug:)``
    /// (from the names the city folded ahead).
    static func row(_ city: ImportedCity, slug: String) -> [String?] {
        let draft = city.draft
        return [String(city.geonameID), slug, draft.name, draft.countryCode, draft.region, draft.timezone,
                draft.latitude.map { "\($0)" }, draft.longitude.map { "\($0)" }, draft.population.map { "\($0)" },
                PGArrayLiteral(draft.alternateNames).text, city.foldedNames.document(slug: slug)]
    }

    /// Each new city's slug: the first candidate that no city has and no earlier city of the batch
    /// took. The first candidate of every city is checked in one query; only the cities whose
    /// candidates so far were all taken need another round, with more of their candidates.
    static func slugs(for cities: [ImportedCity], on connection: PGConnection) throws -> [String] {
        var slugs = [String?](repeating: nil, count: cities.count)
        var claimed: Set<String> = []
        var unresolved = Array(cities.indices)
        var tried = 0
        var window = 1
        while !unresolved.isEmpty {
            guard tried < PostgresCitiesStore.slugCandidateLimit else {
                throw ValidationErrors(["slug": ["Could not find a free slug for this name; provide one."]])
            }
            let candidates = unresolved.map { cities[$0].slugCandidates(from: tried, count: window) }
            let taken = Set(try connection.query("SELECT slug FROM cities WHERE slug = ANY ($1::text[])", [PGArrayLiteral(candidates.flatMap { $0 })])
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
            window = min(window * 4, 64)
        }
        return slugs.map { $0! }
    }
}
