import ArgumentParser
import CitiesCore
import CitiesPG
import CitiesPGTesting
import Foundation

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Load cities from published data sets.",
        subcommands: [GeoNames.self]
    )

    struct GeoNames: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "geonames",
            abstract: "Create or update cities from GeoNames dump files (cities15000.txt, allCountries.zip, …), by GeoNames id.",
            discussion: """
                Reads the files as GeoNames publishes them (19 tab-separated columns), plain, gzip or zip, or \
                standard input for -. Only populated places (feature class P) by default. Every city is \
                validated as POST validates it; a line that fails is reported with its line number and \
                skipped. Re-running updates what changed and creates nothing twice: new cities get a \
                derived slug (the most populous first), existing ones keep theirs. Writes in batches, one \
                transaction each, holding LOCK TABLE cities IN SHARE ROW EXCLUSIVE MODE (API city writes \
                wait for the batch, reads do not). GeoNames data is CC BY 4.0: credit GeoNames \
                (https://www.geonames.org) where you publish it.
                Exit status: 0 done (rejected lines are reported, not fatal), 4 database unreachable or \
                erroring, 5 lines rejected under --strict (nothing written), 64 usage error, 66 an input \
                cannot be read.
                """
        )

        @OptionGroup var global: GlobalOptions
        @OptionGroup var database: DatabaseOptions

        @Argument(help: "GeoNames dump files (plain, .gz or .zip); - reads standard input.")
        var files: [String]

        @Option(name: .customLong("admin1"), help: "GeoNames admin1CodesASCII.txt, for region names. Without it regions are null.")
        var admin1: String?

        @Option(name: .customLong("alternate-names"), help: "GeoNames alternateNamesV2.txt, read instead of the alternatenames column (preferred names first; links, codes and postal codes left out).")
        var alternateNames: String?

        @Option(help: "Only cities with at least this population (GeoNames' 0 means unknown).")
        var minPopulation: Int64?

        @Option(help: "Only these countries, comma-separated ISO codes, e.g. DE,FR.")
        var country: String?

        @Option(help: "GeoNames feature classes to import, comma-separated. Default: P (populated places).")
        var featureClass: String = "P"

        @Option(help: "Cities per transaction. Default: 10000.")
        var batchSize: Int = 10_000

        @Flag(help: "Write nothing when any line is rejected, and exit with status 5.")
        var strict = false

        @Flag(help: "Import into the embedded cluster under --embedded-dir (as serve --embedded uses it; created and migrated if missing, without the built-in sample data); ignores DATABASE_URL.")
        var embedded = false

        @Option(help: "Folder of the embedded cluster. Env: CITIESD_EMBEDDED_DIR. Default: .citiesd/postgres.")
        var embeddedDir: String?

        func validate() throws {
            guard !files.isEmpty else { throw ValidationError("name at least one GeoNames file, or - for standard input") }
            guard files.filter({ $0 == "-" }).count + [admin1, alternateNames].filter({ $0 == "-" }).count <= 1 else {
                throw ValidationError("standard input (-) can be read once")
            }
            guard (1...1_000_000).contains(batchSize) else { throw ValidationError("the batch size must be 1…1000000, got \(batchSize)") }
            if let minPopulation, minPopulation < 0 { throw ValidationError("the minimum population cannot be negative") }
            if let codes = countries, let bad = codes.first(where: { !CountryCode.isAssigned($0) }) {
                throw ValidationError("--country: \(bad) is not an ISO 3166-1 alpha-2 country code")
            }
        }

        private var countries: Set<String>? {
            country.map { Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).uppercased() }) }
        }

        func run() async throws {
            let environment = Environment()
            let logger = try global.bootstrapLogging(environment)
            try TimeZoneName.requireDatabaseForCommand()
            // A decompressor that exits early must fail a write, not kill the import.
            signal(SIGPIPE, SIG_IGN)
            let options = GeoNamesImport.Options(
                files: files, admin1: admin1, alternateNames: alternateNames, minPopulation: minPopulation, countries: countries,
                featureClasses: Set(featureClass.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).uppercased() }),
                strict: strict, batchSize: batchSize)

            var connection: PGConfiguration
            var cluster: EmbeddedPostgres?
            if embedded {
                let directory = try environment.resolve(embeddedDir, "CITIESD_EMBEDDED_DIR", default: ".citiesd/postgres")
                let started = try await EmbeddedDatabase.prepare(directory: URL(fileURLWithPath: directory), sampleData: false, logger: logger)
                cluster = started.cluster
                connection = started.connection
            } else {
                connection = try database.connection(environment)
            }
            let outcome: Result<GeoNamesImport.Summary, any Error>
            do {
                outcome = .success(try await CommandDatabase.withConnection(connection) { connection in
                    try GeoNamesImport(options: options).run(on: connection, progress: ImportProgress())
                })
            } catch {
                outcome = .failure(error)
            }
            try await cluster?.stop()
            let summary: GeoNamesImport.Summary
            do {
                summary = try outcome.get()
            } catch let error as ImportInputError {
                printError("error: \(error)")
                throw ExitStatus.inputUnreadable
            }
            print(summary.report)
            if !summary.written { throw ExitStatus.rejected }
        }
    }
}
