import CitiesCore
@testable import CitiesPG
import Foundation
import Testing

@Suite struct MigrationTests {
    static let repositoryMigrations = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appending(path: "migrations")

    @Test func compiledInMigrationsEqualTheRepositoryFolder() throws {
        let bundled = try Migration.bundled()
        let onDisk = try Migration.load(from: Self.repositoryMigrations)
        #expect(!bundled.isEmpty)
        #expect(bundled.map(\.fileName) == onDisk.map(\.fileName))
        #expect(bundled.map(\.checksum) == onDisk.map(\.checksum))
        #expect(bundled == onDisk)
    }

    @Test func appliesOnceAndRerunIsANoOp() async throws {
        try await withTestPool(maxConnections: 1) { pool in
            let runner = MigrationRunner(migrations: try Migration.bundled())
            let first = try await pool.withConnection { try runner.migrate(on: $0) }
            #expect(first == runner.migrations)
            let second = try await pool.withConnection { try runner.migrate(on: $0) }
            #expect(second.isEmpty)
            let status = try await pool.withConnection { try runner.status(on: $0) }
            #expect(status.isUpToDate)
            #expect(status.applied.map(\.version) == runner.migrations.map(\.version))
            #expect(status.applied.map(\.checksum) == runner.migrations.map(\.checksum))
            let tables = try await pool.withConnection { connection in
                try connection.query("SELECT to_regclass('cities') IS NOT NULL AND to_regclass('events') IS NOT NULL AND to_regclass('api_tokens') IS NOT NULL")
                    .first!.decode(Bool.self, at: 0)
            }
            #expect(tables)
        }
    }

    @Test func eightRunnersInParallelApplyEachMigrationOnce() async throws {
        let database = try await TestCluster.freshDatabase()
        let migrations = try Migration.bundled() + [
            try Migration(fileName: "9001_counter.sql", contents: Array("CREATE TABLE applied_count (n int); INSERT INTO applied_count VALUES (1);".utf8)),
            try Migration(fileName: "9002_increment.sql", contents: Array("UPDATE applied_count SET n = n + 1;".utf8)),
        ]
        let applied = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    let pool = PGPool(configuration: PGPoolConfiguration(connection: database, maxConnections: 1))
                    defer { Task { await pool.close() } }
                    return try await pool.withConnection { try MigrationRunner(migrations: migrations).migrate(on: $0).count }
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(applied.reduce(0, +) == migrations.count)
        #expect(applied.filter { $0 > 0 } == [migrations.count])
        let pool = PGPool(configuration: PGPoolConfiguration(connection: database, maxConnections: 1))
        let (rows, counter) = try await pool.withConnection { connection in
            (try connection.query("SELECT count(*) FROM schema_migrations").first!.decode(Int.self, at: 0),
             try connection.query("SELECT n FROM applied_count").first!.decode(Int.self, at: 0))
        }
        await pool.close()
        #expect(rows == migrations.count)
        #expect(counter == 2)
    }

    @Test func searchNameMigrationFoldsExistingRowsLikeTheApplication() async throws {
        try await withTestPool(maxConnections: 1) { pool in
            let all = try Migration.bundled()
            let names = ["Düsseldorf", "Kraków", "São Paulo", "Straße", "Zürich", "Łódź"]
            let folded = try await pool.withConnection { connection in
                try MigrationRunner(migrations: Array(all.prefix(1))).migrate(on: connection)
                for (index, name) in names.enumerated() {
                    try connection.query("INSERT INTO cities (slug, name, country_code, timezone) VALUES ($1, $2, 'DE', 'UTC')", ["c\(index)", name])
                }
                try MigrationRunner(migrations: all).migrate(on: connection)
                return try connection.query("SELECT split_part(search_name, E'\\n', 1) FROM cities ORDER BY id").rows.map { try $0.decode(String.self, at: 0) }
            }
            #expect(Array(folded.prefix(5)) == names.prefix(5).map(SearchText.fold))
            #expect(folded[5] == "łodz", "letters without a decomposition stay; only rows from before 0002 are folded in SQL")
        }
    }

    @Test func driftStopsTheRunnerNamingTheFile() async throws {
        try await withTestPool(maxConnections: 1) { pool in
            let original = try Migration(fileName: "0001_widgets.sql", contents: Array("CREATE TABLE widgets (id int);".utf8))
            let edited = try Migration(fileName: "0001_widgets.sql", contents: Array("CREATE TABLE widgets (id bigint);".utf8))
            let next = try Migration(fileName: "0002_gadgets.sql", contents: Array("CREATE TABLE gadgets (id int);".utf8))
            try await pool.withConnection { try MigrationRunner(migrations: [original]).migrate(on: $0) }
            let runner = MigrationRunner(migrations: [edited, next])
            let status = try await pool.withConnection { try runner.status(on: $0) }
            #expect(status.drifted == [edited])
            #expect(status.pending == [next])
            #expect(!status.isUpToDate)
            let error = await #expect(throws: MigrationError.self) { try await pool.withConnection { try runner.migrate(on: $0) } }
            #expect(error?.code == .drift)
            #expect(error?.fileNames == ["0001_widgets.sql"])
            #expect(error?.description.contains("0001_widgets.sql") == true)
            let gadgets = try await pool.withConnection { try $0.query("SELECT to_regclass('gadgets') IS NULL").first!.decode(Bool.self, at: 0) }
            #expect(gadgets, "nothing may be applied once drift is found")
        }
    }

    @Test func failingMigrationLeavesNothingBehindAndNamesFileLineAndMessage() async throws {
        try await withTestPool(maxConnections: 1) { pool in
            let good = try Migration(fileName: "0001_good.sql", contents: Array("CREATE TABLE good (id int);\n".utf8))
            let bad = try Migration(fileName: "0002_bad.sql", contents: Array("""
                -- creates a table, then fails
                CREATE TABLE partial (id int);
                INSERT INTO partial VALUES (1);

                INSERT INTO partial
                SELECT id FROM no_such_table;
                """.utf8))
            let runner = MigrationRunner(migrations: [good, bad])
            let error = await #expect(throws: MigrationError.self) { try await pool.withConnection { try runner.migrate(on: $0) } }
            #expect(error?.code == .failed)
            #expect(error?.fileNames == ["0002_bad.sql"])
            #expect(error?.line == 6)
            #expect(error?.underlying?.sqlState == "42P01")
            #expect(error?.description.contains("relation \"no_such_table\" does not exist") == true)
            let (partialGone, versions) = try await pool.withConnection { connection in
                (try connection.query("SELECT to_regclass('partial') IS NULL").first!.decode(Bool.self, at: 0),
                 try connection.query("SELECT version FROM schema_migrations").rows.map { try $0.decode(Int.self, at: 0) })
            }
            #expect(partialGone)
            #expect(versions == [1])
        }
    }

    @Test func noTransactionMarkerAllowsConcurrentIndexBuilds() async throws {
        try await withTestPool(maxConnections: 1) { pool in
            let table = try Migration(fileName: "0001_t.sql", contents: Array("CREATE TABLE t (id int);".utf8))
            let index = try Migration(fileName: "0002_t_index.sql", contents: Array("""
                \(Migration.noTransactionMarker)
                CREATE INDEX CONCURRENTLY t_id_idx ON t (id);
                """.utf8))
            #expect(table.runsInTransaction)
            #expect(!index.runsInTransaction)
            let applied = try await pool.withConnection { try MigrationRunner(migrations: [table, index]).migrate(on: $0) }
            #expect(applied.map(\.version) == [1, 2])
            let exists = try await pool.withConnection { try $0.query("SELECT to_regclass('t_id_idx') IS NOT NULL").first!.decode(Bool.self, at: 0) }
            #expect(exists)
        }
    }

    @Test func versionsUnknownToTheBinaryAreReported() async throws {
        try await withTestPool(maxConnections: 1) { pool in
            let one = try Migration(fileName: "0001_a.sql", contents: Array("SELECT 1;".utf8))
            let two = try Migration(fileName: "0002_b.sql", contents: Array("SELECT 2;".utf8))
            try await pool.withConnection { try MigrationRunner(migrations: [one, two]).migrate(on: $0) }
            let status = try await pool.withConnection { try MigrationRunner(migrations: [one]).status(on: $0) }
            #expect(status.unknown.map(\.version) == [2])
            #expect(status.isUpToDate)
        }
    }

    @Test func statusOfAnEmptyDatabaseListsEverythingPending() async throws {
        try await withTestPool(maxConnections: 1) { pool in
            let runner = MigrationRunner(migrations: try Migration.bundled())
            let status = try await pool.withConnection { try runner.status(on: $0) }
            #expect(status.pending == runner.migrations)
            #expect(status.applied.isEmpty)
        }
    }

    /// `Int("+1")` parses: versions are checked to be ASCII digits.
    @Test(arguments: ["1_x.txt", "abc_x.sql", "0001.sql", "0001_.sql", "0000_zero.sql", "+1_x.sql", "-1_x.sql", "٣_x.sql"])
    func badFileNamesAreRejected(_ name: String) {
        let error = #expect(throws: MigrationError.self) { try Migration(fileName: name, contents: []) }
        #expect(error?.code == .invalidFileName)
        #expect(error?.fileNames == [name])
    }

    @Test func duplicateVersionsAreRejected() throws {
        let error = #expect(throws: MigrationError.self) {
            try Migration.ordered([
                try Migration(fileName: "0003_a.sql", contents: []), try Migration(fileName: "0003_b.sql", contents: []),
            ])
        }
        #expect(error?.code == .duplicateVersion)
        #expect(error?.fileNames == ["0003_a.sql", "0003_b.sql"])
        #expect(error?.description.contains("0003_a.sql, 0003_b.sql") == true)
    }
}

@Suite struct SQLScriptTests {
    @Test func splitsOnlyOnTopLevelSemicolons() {
        let script = """
            -- leading comment; not a statement
            CREATE FUNCTION f() RETURNS text LANGUAGE plpgsql AS $body$
            BEGIN RETURN 'a;b'; END;
            $body$;
            /* block; /* nested; */ still comment */
            INSERT INTO t VALUES ('it''s; fine', E'esc\\'; aped', "odd;name");
            SELECT $1; SELECT 2
            """
        let statements = SQLScript.statements(in: script)
        #expect(statements.map(\.line) == [2, 6, 7, 7])
        #expect(statements[0].text.hasSuffix("$body$;"))
        #expect(statements[1].text.hasPrefix("INSERT"))
        #expect(statements[2].text == "SELECT $1;")
        #expect(statements[3].text == "SELECT 2")
    }

    @Test func errorPositionMapsToFileLine() {
        let statement = SQLScript.statements(in: "\n\nSELECT 1\nFROM\nnowhere;")[0]
        #expect(statement.line == 3)
        #expect(statement.fileLine(ofPosition: 1) == 3)
        #expect(statement.fileLine(ofPosition: 15) == 5)
        #expect(statement.fileLine(ofPosition: nil) == 3)
    }
}
