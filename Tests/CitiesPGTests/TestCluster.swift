import CitiesPG
import Foundation

/// One throwaway cluster per test process; each test gets a database of its own on it. The cluster's
/// watchdog stops it and deletes its folder when the test process exits.
enum TestCluster {
    private static let cluster = Task { try await EmbeddedPostgres.start(.throwaway()) }

    static var shared: EmbeddedPostgres {
        get async throws { try await cluster.value }
    }

    static func freshDatabase() async throws -> PostgresConfiguration {
        try await shared.createDatabase("test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))
    }

    static func pool(maxConnections: Int = 4, acquireTimeout: Duration = .seconds(5), statementTimeout: Duration? = nil) async throws -> PostgresPool {
        var connection = try await freshDatabase()
        connection.statementTimeout = statementTimeout
        return PostgresPool(configuration: PostgresPoolConfiguration(
            connection: connection, maxConnections: maxConnections, acquireTimeout: acquireTimeout))
    }
}

/// Runs `body` with a pool on a fresh database and closes the pool afterwards.
func withTestPool(
    maxConnections: Int = 4, acquireTimeout: Duration = .seconds(5), statementTimeout: Duration? = nil,
    _ body: (PostgresPool) async throws -> Void
) async throws {
    let pool = try await TestCluster.pool(maxConnections: maxConnections, acquireTimeout: acquireTimeout, statementTimeout: statementTimeout)
    do {
        try await body(pool)
        await pool.close()
    } catch {
        await pool.close()
        throw error
    }
}
