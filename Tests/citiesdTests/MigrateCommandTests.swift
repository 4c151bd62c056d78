import ArgumentParser
import CitiesPG
import CitiesPGTesting
import Foundation
import Testing

@testable import citiesd

/// Runs the real `citiesd` binary, as operators and pipelines do, and checks output and exit codes.
@Suite struct MigrateCommandTests {
    @Test func statusApplyAndDryRunReportWithDocumentedExitCodes() async throws {
        let database = try await EmbeddedPostgres.makeTestDatabase()
        let url = database.connectionString

        let pending = try CitiesdProcess.run(["migrate", "status", "--database-url", url])
        #expect(pending.status == 1)
        #expect(pending.stdout.contains("pending  0001_initial_schema.sql"))

        let dryRun = try CitiesdProcess.run(["migrate", "--dry-run", "--database-url", url])
        #expect(dryRun.status == 0)
        #expect(dryRun.stdout.contains("would apply 0001_initial_schema.sql"))
        #expect(try CitiesdProcess.run(["migrate", "status", "--database-url", url]).status == 1, "dry run must change nothing")

        let apply = try CitiesdProcess.run(["migrate", "--database-url", url])
        #expect(apply.status == 0)
        #expect(apply.stdout.range(of: #"applied 0001_initial_schema\.sql in [0-9.]+ ms"#, options: .regularExpression) != nil)

        let again = try CitiesdProcess.run(["migrate", "up", "--database-url", url])
        #expect(again.status == 0)
        #expect(again.stdout.contains("database is up to date"))

        let upToDate = try CitiesdProcess.run(["migrate", "status", "--database-url", url])
        #expect(upToDate.status == 0)
        #expect(upToDate.stdout.contains("applied  0001_initial_schema.sql"))
    }

    @Test func driftExitsWithTwoNamingTheFile() async throws {
        let database = try await EmbeddedPostgres.makeTestDatabase()
        #expect(try CitiesdProcess.run(["migrate", "--database-url", database.connectionString]).status == 0)
        let pool = PGPool(configuration: PGPoolConfiguration(connection: database, maxConnections: 1))
        try await pool.withConnection { try $0.query("UPDATE schema_migrations SET checksum = $1 WHERE version = 1", ["edited"]) }
        await pool.close()
        for arguments in [["migrate"], ["migrate", "status"], ["migrate", "--dry-run"]] {
            let result = try CitiesdProcess.run(arguments + ["--database-url", database.connectionString])
            #expect(result.status == 2, "\(arguments)")
            #expect((result.stdout + result.stderr).contains("0001_initial_schema.sql"))
        }
    }

    @Test func unreachableDatabaseExitsWithFourAndAClearMessage() throws {
        let result = try CitiesdProcess.run(["migrate", "status", "--database-url", "postgres://ops:hunter2@127.0.0.1:1/cities"])
        #expect(result.status == 4)
        #expect(result.stderr.contains("cannot connect to PostgreSQL at ops@127.0.0.1:1/cities"))
        #expect(!result.stderr.contains("hunter2"))
    }

    /// libpq prints notices to stderr unless told otherwise; one arriving while the connection is
    /// still being made (a server shutting down) would break the one-line-per-event promise.
    @Test func aNoticeDuringConnectingNeverReachesStderr() async throws {
        let server = try await NoticeThenFatalServer.start()
        let result = try CitiesdProcess.run([
            "migrate", "status", "--database-url", "host=127.0.0.1 port=\(server.port) dbname=cities user=ops sslmode=disable gssencmode=disable",
        ])
        await server.close()
        #expect(result.status == 4)
        #expect(result.stderr.contains("the database system is shutting down"), "the server's error is reported")
        #expect(!result.stderr.contains("citiesd-test: terminating connection"), "\(result.stderr)")
    }

    @Test func pgEnvironmentVariablesAreHonoured() async throws {
        let cluster = try await EmbeddedPostgres.sharedThrowaway()
        let database = try await EmbeddedPostgres.makeTestDatabase()
        let name = try #require(database.connectionString.split(separator: " ").first { $0.hasPrefix("dbname=") })
            .dropFirst("dbname='".count).dropLast()
        let result = try CitiesdProcess.run(["migrate"], environment: [
            "PGHOST": cluster.socketDirectory.path, "PGPORT": "\(cluster.configuration.port)",
            "PGUSER": "postgres", "PGDATABASE": String(name),
        ])
        #expect(result.status == 0)
        #expect(result.stdout.contains("applied 0001_initial_schema.sql"))
    }

    @Test func usageErrorsExitWith64() throws {
        let result = try CitiesdProcess.run(["migrate", "status", "--database-url", "postgres://[::1"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("DATABASE_URL"))
        #expect(try CitiesdProcess.run(["migrate", "--no-such-flag"]).status == 64)
        let executor = try CitiesdProcess.run(["migrate", "status"], environment: ["CITIESD_EXECUTOR": "threads"])
        #expect(executor.status == 64)
        #expect(executor.stderr.contains(#"CITIESD_EXECUTOR must be event-loops or swift, not "threads""#))
        let format = try CitiesdProcess.run(["migrate", "status"], environment: ["LOG_FORMAT": "xml"])
        #expect(format.status == 64)
        #expect(format.stderr.contains("log format xml is not one of text, json"))
        for ports in [["--port", "8080", "--metrics-port", "8080"], ["--metrics-port", "70000"]] {
            let metrics = try CitiesdProcess.run(["serve", "--database-url", "host=/nonexistent"] + ports)
            #expect(metrics.status == 64, "\(ports)")
            #expect(metrics.stderr.contains("the metrics port must be 1…65535 and differ from --port"), "\(ports)")
        }
    }

    @Test func everyCommandHasHelp() throws {
        for command in [["--help"], ["serve", "--help"], ["migrate", "--help"], ["migrate", "status", "--help"]] {
            let result = try CitiesdProcess.run(command)
            #expect(result.status == 0, "\(command)")
            #expect(result.stdout.contains("USAGE"), "\(command)")
        }
    }
}

@Suite struct TokenCommandTests {
    @Test func createListRevoke() async throws {
        let database = try await EmbeddedPostgres.makeTestDatabase()
        let url = database.connectionString
        #expect(try CitiesdProcess.run(["migrate", "--database-url", url]).status == 0)

        let created = try CitiesdProcess.run(["token", "create", "events-service", "--database-url", url])
        #expect(created.status == 0)
        let key = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(key.range(of: "^[0-9a-f]{40}$", options: .regularExpression) != nil)
        #expect(!created.stderr.contains(key), "the key goes to stdout only, never to logs")

        let pool = PGPool(configuration: PGPoolConfiguration(connection: database, maxConnections: 1))
        let authenticated = try await PostgresTokenStore(pool: pool).authenticate(keyHash: TokenAuthenticator.hash(key))
        #expect(authenticated?.name == "events-service")

        let listed = try CitiesdProcess.run(["token", "list", "--database-url", url])
        #expect(listed.stdout.contains("events-service"))
        #expect(!listed.stdout.contains(key))
        #expect(try CitiesdProcess.run(["token", "create", "events-service", "--database-url", url]).status == 64)

        #expect(try CitiesdProcess.run(["token", "revoke", "events-service", "--database-url", url]).status == 0)
        #expect(try CitiesdProcess.run(["token", "revoke", "events-service", "--database-url", url]).status == 1)
        let revoked = try await PostgresTokenStore(pool: pool).authenticate(keyHash: TokenAuthenticator.hash(key))
        await pool.close()
        #expect(revoked == nil)
    }
}
