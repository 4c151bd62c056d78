import CitiesPG
import Foundation
import Testing

@Suite struct ConnectionTests {
    @Test func connectsWithConninfoAndURL() async throws {
        let cluster = try await TestCluster.shared
        let conninfo = cluster.connectionConfiguration()
        let socket = cluster.socketDirectory.path.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let url = PGConfiguration("postgres://postgres@/postgres?host=\(socket)&port=\(cluster.configuration.port)&application_name=from-url")
        for configuration in [conninfo, url] {
            let pool = PGPool(configuration: PGPoolConfiguration(connection: configuration, maxConnections: 1))
            let name = try await pool.withConnection { connection in
                try connection.query("SELECT current_setting('application_name')").first!.decode(String.self, at: 0)
            }
            await pool.close()
            #expect(name == (configuration == url ? "from-url" : "citiesd"))
        }
    }

    @Test func unknownRoleIsAClearConnectionError() async throws {
        var configuration = try await TestCluster.shared.connectionConfiguration()
        configuration.connectionString += " user=nosuchrole"
        let error = try expectPostgresError { _ = try PGConnection.connect(configuration) }
        #expect(error.code == .connectionFailed)
        #expect(error.description.contains("role \"nosuchrole\" does not exist"))
        #expect(error.description.contains("at nosuchrole@"))
        #expect(error.isUnavailable)
    }

    @Test func unreachableHostNamesTargetButNotPassword() throws {
        let configuration = PGConfiguration("postgres://alice:s3cret-pass@127.0.0.1:1/app", connectTimeoutSeconds: 2)
        let error = try expectPostgresError { _ = try PGConnection.connect(configuration) }
        #expect(error.code == .connectionFailed)
        #expect(error.description.contains("refused"))
        #expect(error.description.contains("alice@127.0.0.1:1/app"))
        #expect(!error.description.contains("s3cret-pass"))
        #expect(error.description.contains("DATABASE_URL"))
    }

    /// libpq quotes what it cannot parse — the whole URL, or a percent-encoded password alone.
    @Test(arguments: [
        ("postgres://alice:s3cret@[::1/app", "end of string reached"),
        ("postgres://alice:s3cr%zzet@db.example.org/app", "invalid percent-encoded token"),
        ("postgres://alice:s3cret@db.example.org/app?s3cret=1", "invalid URI query parameter"),
        ("host=db.example.org s3cret", #"missing "=" after "…" in connection info string"#),
        ("postgres://alice@db.example.org/app?password=s3cret&s3cret", #"missing key/value separator "=" in URI query parameter: "…""#),
    ])
    func malformedConnectionStringsAreReportedWithoutTheirValues(_ connectionString: String, _ reported: String) throws {
        let error = try expectPostgresError { try PGConfiguration(connectionString).validate() }
        #expect(error.description.contains(reported))
        #expect(!error.description.contains("s3c"))
    }

    @Test func aConfigurationPrintsWithoutItsPassword() {
        let configuration = PGConfiguration("postgres://alice:s3cret-pass@db.example.org:6432/app")
        let pool = PGPoolConfiguration(connection: configuration)
        for text in ["\(configuration)", String(reflecting: configuration), "\(pool)", String(reflecting: pool)] {
            #expect(text.contains("alice@db.example.org:6432/app"))
            #expect(!text.contains("s3cret"))
        }
    }

    @Test func tlsSettingsReachLibpq() throws {
        let configuration = PGConfiguration("host=127.0.0.1 port=1 sslmode=bogus")
        let error = try expectPostgresError { _ = try PGConnection.connect(configuration) }
        #expect(error.description.contains("sslmode"))
        let malformed = try expectPostgresError { try PGConfiguration("postgres://[::1").validate() }
        #expect(malformed.code == .connectionFailed)
    }

    @Test(arguments: [
        "it's", "back\\slash", "semi; DROP TABLE cities; --", "Düsseldorf — Ζυρίχη 東京 🏙️", "\"double\"", "$1", "",
        "tab\tnew\nline",
    ])
    func parametersTravelVerbatim(_ value: String) async throws {
        try await withTestPool { pool in
            let stored = try await pool.withConnection { connection in
                try connection.query("CREATE TABLE IF NOT EXISTS t (value text)")
                try connection.query("INSERT INTO t VALUES ($1)", [value])
                let roundTrip = try connection.query("SELECT $1::text, length($1::text)", [value]).first!
                #expect(try roundTrip.decode(String.self, at: 0) == value)
                #expect(try roundTrip.decode(Int.self, at: 1) == value.unicodeScalars.count)
                return try connection.query("SELECT value FROM t WHERE value = $1", [value]).rows.map { try $0.decode(String.self, at: 0) }
            }
            #expect(stored == [value])
        }
    }

    @Test func nulByteIsRejectedBeforeSending() async throws {
        try await withTestPool(maxConnections: 1) { pool in
            let error = await #expect(throws: PGError.self) {
                try await pool.withConnection { try $0.query("SELECT $1::text", ["a\u{0}b"]) }
            }
            #expect(error?.description.contains("NUL") == true)
            let answer = try await pool.withConnection { try $0.query("SELECT 1").rowCount }
            #expect(answer == 1)
        }
    }

    @Test func decodesEveryTypeAndNull() async throws {
        let uuid = UUID()
        let date = Date(timeIntervalSince1970: 1_790_000_000.123456)
        let bytes: [UInt8] = [0, 1, 0xff, 0x5c, 0x27]
        try await withTestPool { pool in
            try await pool.withConnection { connection in
                let row = try connection.query(
                    """
                    SELECT $1::int2 AS small, $2::int4 AS medium, $3::int8 AS large, $4::float8 AS real,
                           $5::bool AS flag, $6::text AS label, $7::timestamptz AS at, $8::uuid AS id,
                           $9::bytea AS raw, NULL::int4 AS missing, NULL::text AS no_text, 'x'::varchar AS v
                    """,
                    [Int16(-7), Int32(123_456), Int64.max, -2.5e-10, true, "ü", date, uuid, bytes]
                ).first!
                #expect(try row.decode(Int16.self, at: 0) == -7)
                #expect(try row.decode(Int32.self, at: 1) == 123_456)
                #expect(try row.decode(Int64.self, at: 2) == .max)
                #expect(try row.decode(Int.self, named: "medium") == 123_456)
                #expect(try row.decode(Double.self, at: 3) == -2.5e-10)
                #expect(try row.decode(Bool.self, at: 4) == true)
                #expect(try row.decode(String.self, at: 5) == "ü")
                let decodedDate = try row.decode(Date.self, at: 6)
                #expect(abs(decodedDate.timeIntervalSince(date)) < 0.000_001)
                #expect(try row.decode(UUID.self, at: 7) == uuid)
                #expect(try row.decode([UInt8].self, at: 8) == bytes)
                #expect(try row.decode(Int32?.self, at: 9) == nil)
                #expect(try row.decode(String?.self, named: "no_text") == nil)
                #expect(try row.decode(Int?.self, at: 1) == 123_456)
                #expect(try row.decode(String.self, named: "v") == "x")
                let null = #expect(throws: PGError.self) { try row.decode(Int32.self, named: "missing") }
                #expect(null?.description.contains("missing") == true)
                #expect(null?.description.contains("NULL") == true)
            }
        }
    }

    @Test func decodeFailureNamesColumnAndType() async throws {
        try await withTestPool { pool in
            let error = await #expect(throws: PGError.self) {
                try await pool.withConnection { try $0.query("SELECT 'x'::text AS label").first!.decode(Int.self, at: 0) }
            }
            #expect(error?.code == .decoding)
            #expect(error?.description == "cannot decode column \"label\" as Int: it holds text")
        }
    }

    @Test func uniqueViolationCarriesSQLStateAndConstraint() async throws {
        try await withTestPool { pool in
            let error = await #expect(throws: PGError.self) {
                try await pool.withConnection { connection in
                    try connection.query("CREATE TABLE slugs (slug text CONSTRAINT slugs_slug_key UNIQUE)")
                    try connection.query("INSERT INTO slugs VALUES ($1)", ["paris"])
                    try connection.query("INSERT INTO slugs VALUES ($1)", ["paris"])
                }
            }
            let server = try #require(error?.serverError)
            #expect(server.sqlState == "23505")
            #expect(server.isUniqueViolation)
            #expect(server.constraint == "slugs_slug_key")
            #expect(server.table == "slugs")
            #expect(server.detail?.contains("(slug)=(paris)") == true)
            #expect(server.severity == "ERROR")
            #expect(error?.isUnavailable == false)
        }
    }

    @Test func syntaxErrorReportsPositionAndConnectionStaysUsable() async throws {
        try await withTestPool(maxConnections: 1) { pool in
            let error = await #expect(throws: PGError.self) {
                try await pool.withConnection { try $0.query("SELECT 1 FROM WHERE") }
            }
            #expect(error?.sqlState == "42601")
            #expect(error?.serverError?.position == 15)
            let answer = try await pool.withConnection { try $0.query("SELECT 2").first!.decode(Int.self, at: 0) }
            #expect(answer == 2)
        }
    }

    @Test func preparedStatementsStayWithinTheCapacityLeastRecentlyUsedFirst() async throws {
        var configuration = try await TestCluster.shared.connectionConfiguration()
        configuration.preparedStatementCapacity = 2
        let connection = try PGConnection.connect(configuration)
        defer { connection.close() }
        // Through the simple protocol, so that looking does not prepare a statement itself.
        func prepared() throws -> String? {
            try connection.execute(script: "SELECT string_agg(statement, ' | ' ORDER BY statement) FROM pg_prepared_statements")
                .first?.decode(String?.self, at: 0)
        }
        func answer(_ sql: String) throws -> Int? { try connection.query(sql).first?.decode(Int.self, at: 0) }

        #expect(try answer("SELECT 1") == 1)
        #expect(try answer("SELECT 2") == 2)
        #expect(try answer("SELECT 1") == 1)
        #expect(try answer("SELECT 3") == 3)
        #expect(try prepared() == "SELECT 1 | SELECT 3", "SELECT 2 was the least recently used")
        #expect(try answer("SELECT 2") == 2, "an evicted statement is prepared again")
        #expect(try prepared() == "SELECT 2 | SELECT 3")
        for value in 10..<60 { #expect(try answer("SELECT \(value)") == value) }
        #expect(try prepared() == "SELECT 58 | SELECT 59")
    }

    @Test func transactionModesReachTheServer() async throws {
        let connection = try PGConnection.connect(try await TestCluster.shared.connectionConfiguration())
        defer { connection.close() }
        let mode = PGTransactionMode(isolation: .serializable, readOnly: true, deferrable: true)
        let settings = try connection.transaction(mode) {
            try connection.query("SELECT current_setting('transaction_isolation') || ' ' || current_setting('transaction_read_only') || ' ' || current_setting('transaction_deferrable')")
                .first?.decode(String.self, at: 0)
        }
        #expect(settings == "serializable on on")
        let write = #expect(throws: PGError.self) { try connection.transaction(mode) { try connection.query("CREATE TEMP TABLE t (a int)") } }
        #expect(write?.sqlState == "25006", "read-only transaction")
        let defaults = try connection.transaction {
            try connection.query("SELECT current_setting('transaction_read_only')").first?.decode(String.self, at: 0)
        }
        #expect(defaults == "off")
    }

    @Test func statementTimeoutCancelsSlowQueries() async throws {
        try await withTestPool(statementTimeout: .milliseconds(100)) { pool in
            let error = await #expect(throws: PGError.self) {
                try await pool.withConnection { try $0.query("SELECT pg_sleep(10)") }
            }
            #expect(error?.serverError?.isQueryCanceled == true)
            let setting = try await pool.withConnection { try $0.query("SHOW statement_timeout").first!.decode(String.self, at: 0) }
            #expect(setting == "100ms")
        }
    }

    /// A frozen backend (SIGSTOP: alive, connected, silent) is what `statement_timeout` cannot
    /// bound; the response timeout does, and the pool replaces the abandoned connection.
    @Test func aServerThatStopsAnsweringCostsAtMostTheResponseTimeout() async throws {
        var configuration = try await TestCluster.freshDatabase()
        configuration.responseTimeout = .milliseconds(300)
        let pool = PGPool(configuration: PGPoolConfiguration(connection: configuration, maxConnections: 1))
        let frozen = try await pool.withConnection { $0.backendPID }
        kill(frozen, SIGSTOP)
        let error = await #expect(throws: PGError.self) {
            try await pool.withConnection { try $0.query("SELECT 1") }
        }
        kill(frozen, SIGCONT)
        #expect(error?.isResponseTimeout == true)
        #expect(error?.isUnavailable == true)
        let replacement = try await pool.withConnection { $0.backendPID }
        #expect(replacement != frozen)
        await pool.close()
        // A large COPY through the non-blocking path, with a timeout a loaded machine cannot hit.
        configuration.responseTimeout = .seconds(60)
        let roomy = PGPool(configuration: PGPoolConfiguration(connection: configuration, maxConnections: 1))
        let copied = try await roomy.withConnection { connection in
            try connection.query("CREATE TEMP TABLE c (v text)")
            return try connection.copy("COPY c (v) FROM STDIN", rows: (0..<50_000).map { [String($0)] })
        }
        #expect(copied == 50_000)
        await roomy.close()
    }

    /// A response timeout inside a transaction closes the connection (its libpq handle is freed);
    /// the rollback, the caller's next call and `backendPID` must not touch the handle again.
    @Test func aResponseTimeoutInsideATransactionLeavesAClosedConnectionThatRefusesUse() async throws {
        var configuration = try await TestCluster.freshDatabase()
        configuration.responseTimeout = .milliseconds(200)
        let pool = PGPool(configuration: PGPoolConfiguration(connection: configuration, maxConnections: 1))
        let (timeout, afterwards, pid, isOpen) = try await pool.withConnection { connection in
            let timeout = #expect(throws: PGError.self) {
                try connection.transaction { try connection.query("SELECT pg_sleep(5)") }
            }
            let afterwards = #expect(throws: PGError.self) { try connection.query("SELECT 1") }
            return (timeout, afterwards, connection.backendPID, connection.isOpen)
        }
        #expect(timeout?.code == .responseTimeout)
        #expect(afterwards?.code == .connectionLost)
        #expect(pid == 0)
        #expect(!isOpen)
        #expect(try await pool.withConnection { try $0.query("SELECT 2").first!.decode(Int32.self, at: 0) } == 2, "replaced")
        await pool.close()
    }

    @Test func copyLoadsRowsWithEscapesAndNulls() async throws {
        let rows: [[String?]] = [
            ["1", "tab\there", "multi\nline\r\n"],
            ["2", nil, "back\\slash \\N"],
            ["3", "Zürich 🇨🇭", ""],
        ]
        try await withTestPool { pool in
            let copied = try await pool.withConnection { connection in
                try connection.query("CREATE TABLE c (id int, a text, b text)")
                return try connection.copy("COPY c (id, a, b) FROM STDIN", rows: rows)
            }
            #expect(copied == 3)
            let back = try await pool.withConnection { connection in
                try connection.query("SELECT id::text, a, b FROM c ORDER BY id").rows.map { row in
                    [try row.decode(String?.self, at: 0), try row.decode(String?.self, at: 1), try row.decode(String?.self, at: 2)]
                }
            }
            #expect(back == rows)
        }
    }

    @Test func failedCopyLoadsNothingAndLeavesConnectionUsable() async throws {
        try await withTestPool(maxConnections: 1) { pool in
            try await pool.withConnection { try $0.query("CREATE TABLE c (id int NOT NULL)") }
            let nul = await #expect(throws: PGError.self) {
                try await pool.withConnection { try $0.copy("COPY c (id) FROM STDIN", rows: [["1"], ["2\u{0}"]]) }
            }
            #expect(nul?.description.contains("row 2") == true)
            let bad = await #expect(throws: PGError.self) {
                try await pool.withConnection { try $0.copy("COPY c (id) FROM STDIN", rows: [["1"], ["not a number"]]) }
            }
            #expect(bad?.sqlState == "22P02")
            let count = try await pool.withConnection { try $0.query("SELECT count(*) FROM c").first!.decode(Int.self, at: 0) }
            #expect(count == 0)
        }
    }
}

func expectPostgresError(_ body: () throws -> Void) throws -> PGError {
    do {
        try body()
    } catch let error as PGError {
        return error
    }
    Issue.record("expected a PGError")
    throw PGError.unexpected("no error thrown")
}
