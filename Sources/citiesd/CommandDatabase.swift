import ArgumentParser
import CitiesCore
import CitiesPG
import Logging

/// The database as command-line tools use it: one connection with no `statement_timeout`, closed
/// afterwards, and failures turned into the documented exit statuses with a message on standard error.
enum CommandDatabase {
    static func run<T: Sendable>(
        _ connection: PGConfiguration,
        logger: Logger = Logger(label: "citiesd"),
        _ body: (PGPool) async throws -> T
    ) async throws -> T {
        var unlimited = connection
        unlimited.statementTimeout = nil
        unlimited.lockTimeout = nil
        let pool = PGPool(configuration: PGPoolConfiguration(connection: unlimited, maxConnections: 1), logger: logger)
        let result: Result<T, Error>
        do {
            result = .success(try await body(pool))
        } catch {
            result = .failure(error)
        }
        await pool.close()
        do {
            return try result.get()
        } catch let error as MigrationError {
            printError("error: \(error)")
            if error.code == .drift { throw ExitStatus.drift }
            if error.code == .failed { throw ExitStatus.migrationFailed }
            throw ExitStatus.usage
        } catch let errors as ValidationErrors {
            printError("error: " + errors.fields.map { "\($0.key): \($0.value.joined(separator: " "))" }.sorted().joined(separator: "; "))
            throw ExitStatus.usage
        } catch let error as PGError {
            printError("error: \(error)")
            throw ExitStatus.databaseError
        }
    }

    /// ``run(_:logger:_:)`` with a synchronous body on the connection (it runs on the pool's thread).
    static func withConnection<T: Sendable>(
        _ connection: PGConfiguration,
        _ body: @escaping @Sendable (PGConnection) throws -> T
    ) async throws -> T {
        try await run(connection) { pool in try await pool.withConnection(body) }
    }
}
