import ArgumentParser
import CitiesPG

/// How commands reach PostgreSQL.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("database-url"),
            help: "postgres:// URL or libpq conninfo. Env: DATABASE_URL. Default: libpq's PG* variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE …).")
    var databaseURL: String?

    @Option(help: "Connections in the pool. Env: CITIESD_POOL_SIZE. Default: 10.")
    var poolSize: Int?

    @Option(help: "Seconds to wait for a free connection before answering 503. Env: CITIESD_POOL_TIMEOUT. Default: 5.")
    var poolTimeout: Double?

    @Option(help: "statement_timeout in milliseconds for API queries (0 = none). Env: CITIESD_STATEMENT_TIMEOUT. Default: 5000.")
    var statementTimeout: Int?

    @Option(help: "lock_timeout in milliseconds for API queries (0 = none): a write waiting longer for rows another writer holds is retried, then answered 503. Env: CITIESD_LOCK_TIMEOUT. Default: 2000.")
    var lockTimeout: Int?

    func connection(_ environment: Environment) throws -> PGConfiguration {
        let configuration = PGConfiguration(try environment.resolve(databaseURL, "DATABASE_URL", default: ""))
        do {
            try configuration.validate()
        } catch {
            throw ValidationError("DATABASE_URL / --database-url is not a valid connection string: \(error)")
        }
        return configuration
    }

    /// The pool the API uses: bounded, with a statement timeout.
    func poolConfiguration(_ environment: Environment) throws -> PGPoolConfiguration {
        var connection = try connection(environment)
        let size = try environment.resolve(poolSize, "CITIESD_POOL_SIZE", default: 10)
        let timeout = try environment.resolve(poolTimeout, "CITIESD_POOL_TIMEOUT", default: 5)
        let statementTimeout = try environment.resolve(statementTimeout, "CITIESD_STATEMENT_TIMEOUT", default: 5000)
        let lockTimeout = try environment.resolve(lockTimeout, "CITIESD_LOCK_TIMEOUT", default: 2000)
        guard (1...1000).contains(size) else { throw ValidationError("pool size must be 1…1000, got \(size)") }
        guard timeout > 0 else { throw ValidationError("pool timeout must be positive, got \(timeout)") }
        guard statementTimeout >= 0 else { throw ValidationError("statement timeout must be ≥ 0, got \(statementTimeout)") }
        guard lockTimeout >= 0 else { throw ValidationError("lock timeout must be ≥ 0, got \(lockTimeout)") }
        connection.statementTimeout = statementTimeout == 0 ? nil : .milliseconds(statementTimeout)
        // A server that stops answering altogether cannot enforce its statement_timeout.
        connection.responseTimeout = connection.statementTimeout.map { $0 + .seconds(1) }
        connection.lockTimeout = lockTimeout == 0 ? nil : .milliseconds(lockTimeout)
        return PGPoolConfiguration(connection: connection, maxConnections: size, acquireTimeout: .milliseconds(Int(timeout * 1000)))
    }
}
