import CitiesPG
import CitiesPGTesting
import Foundation

/// Pools on fresh databases of the process's shared throwaway cluster.
enum TestCluster {
    static var shared: EmbeddedPostgres {
        get async throws { try await EmbeddedPostgres.sharedThrowaway() }
    }

    static func freshDatabase(migrated: Bool = false) async throws -> PGConfiguration {
        try await EmbeddedPostgres.makeTestDatabase(migrated: migrated)
    }

    static func pool(
        maxConnections: Int = 4, acquireTimeout: Duration = .seconds(5), statementTimeout: Duration? = nil, migrated: Bool = false
    ) async throws -> PGPool {
        var connection = try await freshDatabase(migrated: migrated)
        connection.statementTimeout = statementTimeout
        return PGPool(configuration: PGPoolConfiguration(
            connection: connection, maxConnections: maxConnections, acquireTimeout: acquireTimeout))
    }
}

/// Runs `body` with a pool on a fresh database and closes the pool afterwards.
func withTestPool(
    maxConnections: Int = 4, acquireTimeout: Duration = .seconds(5), statementTimeout: Duration? = nil, migrated: Bool = false,
    _ body: (PGPool) async throws -> Void
) async throws {
    let pool = try await TestCluster.pool(
        maxConnections: maxConnections, acquireTimeout: acquireTimeout, statementTimeout: statementTimeout, migrated: migrated)
    do {
        try await body(pool)
        await pool.close()
    } catch {
        await pool.close()
        throw error
    }
}
