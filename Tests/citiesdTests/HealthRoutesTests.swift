import CitiesCore
import CitiesPG
import CitiesPGTesting
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import citiesd

@Suite struct HealthRoutesTests {
    static let api = try! APIConfiguration(prefix: "/ws/cities")

    /// `readyTimeout` is generous by default: a loaded machine may take seconds for the first
    /// connection and the counts' first load.
    func withApp(database: PGConfiguration, metadata: ServiceMetadata = ServiceMetadata(), readyTimeout: Duration = .seconds(30),
                 _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let pool = PGPool(configuration: PGPoolConfiguration(connection: database, maxConnections: 2, acquireTimeout: .seconds(2)))
        var dependencies = APIDependencies(pool: pool, metadata: metadata)
        dependencies.readyTimeout = readyTimeout
        let app = try buildApplication(api: Self.api, dependencies: dependencies, logger: Logger(label: "test"))
        try await app.test(.router, body)
        await pool.close()
    }

    @Test func healthAnswersWithoutDatabaseAndReportsBuild() async throws {
        let unreachable = PGConfiguration("host=127.0.0.1 port=1 connect_timeout=1")
        try await withApp(database: unreachable, metadata: ServiceMetadata(version: "2.4.0", branch: "release", stack: "cities-prod")) { client in
            try await client.execute(uri: "/ws/cities/health/", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                #expect(String(buffer: response.body) == #"{"branch":"release","stack":"cities-prod","status":"ok","version":"2.4.0"}"#)
            }
        }
    }

    @Test func readyIs503WhileMigrationsArePendingThen200() async throws {
        let database = try await EmbeddedPostgres.makeTestDatabase()
        try await withApp(database: database) { client in
            try await client.execute(uri: "/ws/cities/ready/", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] == "5")
                let body = try JSONDecoder().decode([String: String].self, from: Data(buffer: response.body))
                #expect(body["detail"]?.contains("pending") == true)
            }
        }
        let pool = PGPool(configuration: PGPoolConfiguration(connection: database, maxConnections: 1))
        try await pool.withConnection { try MigrationRunner(migrations: try Migration.bundled()).migrate(on: $0) }
        await pool.close()
        try await withApp(database: database) { client in
            try await client.execute(uri: "/ws/cities/ready/", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == #"{"status":"ready"}"#)
            }
        }
    }

    /// A database that accepts connections but does not answer (here: a lock ready/ must wait for)
    /// takes the replica out of rotation within the ready timeout instead of hanging the probe.
    @Test func readyIs503WhenDatabaseDoesNotAnswer() async throws {
        let database = try await EmbeddedPostgres.makeTestDatabase(migrated: true)
        let holder = try PGConnection.connect(database)
        try holder.execute(script: "BEGIN; LOCK TABLE schema_migrations IN ACCESS EXCLUSIVE MODE")
        try await withApp(database: database, readyTimeout: .seconds(1)) { client in
            let started = ContinuousClock.now
            try await client.execute(uri: "/ws/cities/ready/", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body) == #"{"detail":"Database unavailable."}"#)
            }
            #expect(ContinuousClock.now - started < .seconds(10), "answered after the 1 s ready timeout, not after the lock")
            try holder.execute(script: "ROLLBACK")
            // Back once the database answers (within the 1 s timeout per probe, as a gateway polls).
            let deadline = ContinuousClock.now + .seconds(60)
            var status = HTTPResponse.Status.serviceUnavailable
            while status != .ok && ContinuousClock.now < deadline {
                status = try await client.execute(uri: "/ws/cities/ready/", method: .get) { $0.status }
                #expect(status == .ok || status == .serviceUnavailable)
                if status != .ok { try await Task.sleep(for: .milliseconds(50)) }  // a probe's pace, not a wait for an event
            }
            #expect(status == .ok)
        }
        holder.close()
    }

    @Test func readyIs503WhenDatabaseIsUnreachable() async throws {
        try await withApp(database: PGConfiguration("host=127.0.0.1 port=1 connect_timeout=1")) { client in
            try await client.execute(uri: "/ws/cities/ready/", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] == "5")
                #expect(String(buffer: response.body) == #"{"detail":"Database unavailable."}"#)
            }
        }
    }

    @Test func routesLiveOnlyUnderThePrefix() async throws {
        try await withApp(database: PGConfiguration("host=127.0.0.1 port=1")) { client in
            try await client.execute(uri: "/health/", method: .get) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/ws/health/", method: .get) { #expect($0.status == .notFound) }
        }
    }
}

@Suite struct ConfigurationTests {
    @Test func prefixIsReadFromPackageJSON() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let api = try APIConfiguration.load(from: repository.appending(path: "config/package.json").path)
        #expect(api.prefix == "/ws/cities")
    }

    @Test(arguments: ["ws/cities", "/ws//cities", "/ws/ci ties", "/ws?x"])
    func badPrefixesAreRejected(_ prefix: String) {
        #expect(throws: (any Error).self) { try APIConfiguration(prefix: prefix) }
    }

    @Test func trailingSlashIsNormalised() throws {
        #expect(try APIConfiguration(prefix: "/ws/cities/").prefix == "/ws/cities")
    }

    @Test func packageJSONErrorsSayWhatIsWrong() throws {
        let file = FileManager.default.temporaryDirectory.appending(path: "package-\(UUID()).json")
        try Data(#"{"url": "/x"}"#.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let wrongKey = #expect(throws: (any Error).self) { try APIConfiguration.load(from: file.path) }
        #expect("\(wrongKey!)".contains("\"uri\""))
        let missing = #expect(throws: (any Error).self) { try APIConfiguration.load(from: "/nonexistent/package.json") }
        #expect("\(missing!)".contains("--package-json"))
    }

    @Test func flagWinsOverEnvironmentWhichWinsOverDefault() throws {
        let environment = Environment(["PORT": "9000", "CITIESD_POOL_SIZE": "many"])
        #expect(try environment.resolve(8081, "PORT", default: 8080) == 8081)
        #expect(try environment.resolve(Int?.none, "PORT", default: 8080) == 9000)
        #expect(try environment.resolve(Int?.none, "UNSET_VARIABLE", default: 8080) == 8080)
        let error = #expect(throws: (any Error).self) { try environment.resolve(Int?.none, "CITIESD_POOL_SIZE", default: 10) }
        #expect("\(error!)".contains("CITIESD_POOL_SIZE=many"))
    }

    @Test func poolSettingsComeFromEnvironment() throws {
        let options = try DatabaseOptions.parse([])
        let configuration = try options.poolConfiguration(Environment([
            "DATABASE_URL": "postgres://u@db.internal:6543/cities", "CITIESD_POOL_SIZE": "3",
            "CITIESD_STATEMENT_TIMEOUT": "250", "CITIESD_POOL_TIMEOUT": "1.5",
        ]))
        #expect(configuration.maxConnections == 3)
        #expect(configuration.acquireTimeout == .milliseconds(1500))
        #expect(configuration.connection.statementTimeout == .milliseconds(250))
        #expect(configuration.connection.redactedDescription == "u@db.internal:6543/cities")
        #expect(throws: (any Error).self) { try options.poolConfiguration(Environment(["CITIESD_POOL_SIZE": "0"])) }
    }
}
