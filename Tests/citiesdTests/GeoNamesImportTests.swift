import CitiesCore
import CitiesPG
import CitiesPGTesting
import Foundation
import Testing

/// `citiesd import geonames`, run as the real binary on the GeoNames excerpt in Tests/Fixtures/geonames.
@Suite struct GeoNamesImportTests {
    static let fixtures = CitiesdProcess.repository.appending(path: "Tests/Fixtures/geonames")
    static let excerpt = fixtures.appending(path: "cities-excerpt.txt").path
    static let malformed = fixtures.appending(path: "malformed.txt").path
    static let admin1 = fixtures.appending(path: "admin1CodesASCII-US.txt").path
    /// Cities in the excerpt.
    static let excerptCities = 75

    struct Row: Hashable {
        var geonameID: Int64
        var slug: String
        var draft: CityDraft
        var searchName: String
    }

    /// A migrated database of its own.
    func database() async throws -> PGConfiguration {
        let database = try await EmbeddedPostgres.makeTestDatabase()
        #expect(try CitiesdProcess.run(["migrate", "--database-url", database.connectionString]).status == 0)
        return database
    }

    func importing(_ arguments: [String], into database: PGConfiguration, standardInput: FileHandle? = nil) throws -> CitiesdProcess.Result {
        try CitiesdProcess.run(["import", "geonames"] + arguments + ["--database-url", database.connectionString], standardInput: standardInput)
    }

    func rows(_ database: PGConfiguration) async throws -> [Int64: Row] {
        let pool = PGPool(configuration: PGPoolConfiguration(connection: database, maxConnections: 1))
        do {
            let rows = try await Self.rows(pool)
            await pool.close()
            return rows
        } catch {
            await pool.close()
            throw error
        }
    }

    static func rows(_ pool: PGPool) async throws -> [Int64: Row] {
        try await pool.withConnection { connection in
            try connection.query("""
                SELECT geonames_id, slug, name, country_code, region, timezone, latitude, longitude, population, alternate_names, search_name
                FROM cities
                """).rows.reduce(into: [Int64: Row]()) { rows, row in
                let id = try row.decode(Int64.self, at: 0)
                rows[id] = Row(
                    geonameID: id, slug: try row.decode(String.self, at: 1),
                    draft: CityDraft(
                        name: try row.decode(String.self, at: 2), countryCode: try row.decode(String.self, at: 3),
                        region: try row.decode(String?.self, at: 4), timezone: try row.decode(String.self, at: 5),
                        latitude: try row.decode(Double?.self, at: 6), longitude: try row.decode(Double?.self, at: 7),
                        population: try row.decode(Int64?.self, at: 8),
                        alternateNames: try row.decode(PGArrayLiteral.self, at: 9).elements),
                    searchName: try row.decode(String.self, at: 10))
            }
        }
    }

    @Test func importsRealCitiesOnceAndReportsRejectedLines() async throws {
        let database = try await database()
        let first = try importing([Self.excerpt, Self.malformed, "--admin1", Self.admin1], into: database)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("read 85 lines: 76 cities, 1 skipped (feature class 1), 8 rejected"), "\(first.stdout)")
        #expect(first.stdout.contains("created 76, updated 0, unchanged 0, rejected 8"), "\(first.stdout)")
        #expect(first.stdout.contains("rejected by reason: latitude 2, timezone 2, columns 1, country_code 1, geonameid 1, name 1"), "\(first.stdout)")
        for expected in [
            "malformed.txt:2: columns: Expected 19 tab-separated columns, found 3.",
            "malformed.txt:3: geonameid: A valid integer is required.",
            "malformed.txt:4: latitude: A valid number is required.",
            "malformed.txt:5: timezone: \"Mars/Olympus_Mons\" is not a valid choice.",
            "malformed.txt:6: country_code: \"XX\" is not a valid choice.",
            "malformed.txt:7: name: Ensure this field has no more than 200 characters.",
            "malformed.txt:8: latitude: Ensure this value is less than or equal to 90.",
            "malformed.txt:10: timezone: This field may not be blank.",
        ] {
            #expect(first.stdout.contains(expected), "missing \(expected) in \(first.stdout)")
        }

        let cities = try await rows(database)
        #expect(cities.count == 76)
        let kolkata = try #require(cities[1_275_004])
        #expect(kolkata.draft.timezone == "Asia/Kolkata")
        #expect(kolkata.draft.region == nil, "admin1 names only the US states")
        #expect(cities[3_435_910]?.draft.timezone == "America/Argentina/Buenos_Aires")
        let moscow = try #require(cities[524_901])
        #expect(moscow.draft.alternateNames.contains("Москва"))
        #expect(moscow.slug == "moscow")
        #expect(cities[5_601_538]?.slug == "moscow-idaho")
        #expect(cities[4_781_708]?.draft.region == "Virginia")

        // The most populous city of a name gets the plain slug; the others the first free candidate.
        #expect(cities[4_781_708]?.slug == "richmond", "Richmond, Virginia: 226,610")
        #expect(cities[6_122_085]?.slug == "richmond-ca", "Richmond, British Columbia: no region without its admin1 name")
        #expect(cities[5_387_428]?.slug == "richmond-california")
        #expect(cities[3_625_549]?.slug == "valencia", "Valencia, Venezuela: 1.6 million")
        #expect(cities[2_509_954]?.slug == "valencia-es")
        #expect(cities[5_405_288]?.slug == "valencia-california")
        #expect(cities[1_698_829]?.slug == "naga")
        #expect(cities[1_698_839]?.slug == "naga-ph")
        #expect(Set(cities.values.map(\.slug)).count == cities.count)

        for city in cities.values {
            #expect(city.searchName == SearchText.document(of: city.draft, slug: city.slug), "\(city.slug)")
        }
        let testville = try #require(cities[99_000_009])
        #expect(testville.draft.alternateNames.count == 1000, "capped to what alternate_names takes")
        #expect(testville.draft.alternateNames.first == "Testname 0001", "the overlong name is dropped, the city kept")

        let again = try importing([Self.excerpt, Self.malformed, "--admin1", Self.admin1], into: database)
        #expect(again.status == 0)
        #expect(again.stdout.contains("created 0, updated 0, unchanged 76, rejected 8"), "\(again.stdout)")
        #expect(try await rows(database) == cities)
    }

    @Test func aChangedPopulationIsAnUpdateAndSlugsStay() async throws {
        let database = try await database()
        #expect(try importing([Self.excerpt], into: database).status == 0)
        let before = try await rows(database)

        let changed = FileManager.default.temporaryDirectory.appending(path: "cities-\(UUID().uuidString).txt")
        defer { try? FileManager.default.removeItem(at: changed) }
        let text = try String(contentsOfFile: Self.excerpt, encoding: .utf8)
        let lines = text.split(separator: "\n").map { line in
            guard line.hasPrefix("1275004\t") else { return String(line) }
            var columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            columns[14] = "4700000"
            return columns.joined(separator: "\t")
        }
        try (lines.joined(separator: "\n") + "\n").write(to: changed, atomically: true, encoding: .utf8)

        let result = try importing([changed.path], into: database)
        #expect(result.status == 0)
        #expect(result.stdout.contains("created 0, updated 1, unchanged \(Self.excerptCities - 1), rejected 0"), "\(result.stdout)")
        let after = try await rows(database)
        #expect(after[1_275_004]?.draft.population == 4_700_000)
        #expect(after.mapValues(\.slug) == before.mapValues(\.slug))
    }

    @Test func strictWritesNothingWhenALineIsRejected() async throws {
        let database = try await database()
        let result = try importing([Self.excerpt, Self.malformed, "--strict"], into: database)
        #expect(result.status == 5)
        #expect(result.stdout.contains("nothing written: 8 rejected under --strict"), "\(result.stdout)")
        #expect(result.stdout.contains("malformed.txt:2: columns"))
        #expect(try await rows(database).isEmpty)

        let clean = try importing([Self.excerpt, "--strict"], into: database)
        #expect(clean.status == 0)
        #expect(try await rows(database).count == Self.excerptCities)
    }

    @Test func filtersByPopulationAndCountry() async throws {
        let database = try await database()
        let result = try importing([Self.excerpt, "--min-population", "5000000", "--country", "in,AR,RU"], into: database)
        #expect(result.status == 0)
        #expect(result.stdout.contains("read 75 lines: 5 cities, 70 skipped (country 67, min population 3), 0 rejected"), "\(result.stdout)")
        let cities = try await rows(database)
        #expect(Set(cities.values.map(\.draft.name)) == ["Mumbai", "Delhi", "Bengaluru", "Moscow", "Saint Petersburg"])
    }

    @Test func readsGzipZipAndStandardInput() async throws {
        for arguments in [[Self.excerpt + ".gz"], [Self.fixtures.appending(path: "cities-excerpt.zip").path]] {
            let database = try await database()
            let result = try importing(arguments, into: database)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            #expect(result.stdout.contains("created \(Self.excerptCities), updated 0"), "\(arguments): \(result.stdout)")
        }
        for file in [Self.excerpt, Self.excerpt + ".gz"] {
            let database = try await database()
            let result = try importing(["-"], into: database, standardInput: try FileHandle(forReadingFrom: URL(fileURLWithPath: file)))
            #expect(result.status == 0, "\(file): \(result.stderr)")
            #expect(result.stdout.contains("created \(Self.excerptCities), updated 0"), "\(file): \(result.stdout)")
        }
    }

    @Test func alternateNamesFileReplacesTheColumnPreferredFirst() async throws {
        let database = try await database()
        let names = Self.fixtures.appending(path: "alternateNamesV2-excerpt.txt").path
        let result = try importing([Self.excerpt, "--alternate-names", names], into: database)
        #expect(result.status == 0)
        #expect(result.stdout.contains("alternateNamesV2-excerpt.txt:14: columns: Expected 8 to 10 tab-separated columns, found 1."), "\(result.stdout)")
        let cities = try await rows(database)
        #expect(cities[524_901]?.draft.alternateNames == ["Москва", "Moskau", "Moscou"], "links, codes and postal codes left out")
        #expect(cities[1_275_004]?.draft.alternateNames == ["কলকাতা", "Calcutta"], "preferred first, historic last")
        #expect(cities[2_950_159]?.draft.alternateNames == [], "Berlin has no lines there")
    }

    @Test func unreadableInputExitsWith66() async throws {
        let database = try await database()
        let missing = try importing(["/nonexistent/cities15000.txt"], into: database)
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("cannot open /nonexistent/cities15000.txt"))

        let corrupt = FileManager.default.temporaryDirectory.appending(path: "corrupt-\(UUID().uuidString).gz")
        defer { try? FileManager.default.removeItem(at: corrupt) }
        try Data([0x1F, 0x8B, 0x08, 0x00] + Array(repeating: 0x41, count: 64)).write(to: corrupt)
        let result = try importing([corrupt.path], into: database)
        #expect(result.status == 66)
        #expect(result.stderr.contains("gzip could not decompress"), "\(result.stderr)")
        #expect(try await rows(database).isEmpty)
    }
}
