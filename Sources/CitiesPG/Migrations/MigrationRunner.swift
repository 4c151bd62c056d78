import Foundation
import Logging

/// Applies migrations and reports their status, keeping `schema_migrations`.
///
/// ``migrate(on:onApplied:)`` holds a PostgreSQL advisory lock for its whole run, so several runners
/// started together (replicas booting at once) apply each migration exactly once: the others wait,
/// then find nothing pending. Each migration runs in its own transaction unless it carries
/// ``Migration/noTransactionMarker``. The methods block: call them inside ``PGPool/withConnection(_:)``
/// with a pool that sets no `statement_timeout`, since migrations may legitimately run long.
public struct MigrationRunner: Sendable {
    /// Key of the session-level advisory lock ("citiesd" in ASCII).
    package static let advisoryLockKey: Int64 = 0x0063_6974_6965_7364

    /// The migrations this binary knows, applied in array order.
    public let migrations: [Migration]
    /// Gets a line per migration applied and a warning per applied migration it does not know.
    public let logger: Logger

    /// Pass `migrations` in version order, as ``Migration/bundled()`` returns them.
    public init(migrations: [Migration], logger: Logger = Logger(label: "citiesd.migrations")) {
        self.migrations = migrations
        self.logger = logger
    }

    /// Reads `schema_migrations` (absent means nothing applied) and compares it with ``migrations``.
    public func status(on connection: PGConnection) throws -> MigrationStatus {
        MigrationStatus(migrations: migrations, applied: try appliedMigrations(on: connection))
    }

    /// Applies every pending migration in version order and returns what it applied. Stops before
    /// applying anything when an applied migration has drifted.
    @discardableResult
    public func migrate(
        on connection: PGConnection,
        onApplied: (Migration, Duration) -> Void = { _, _ in }
    ) throws -> [Migration] {
        logger.debug("waiting for the migration lock")
        try connection.query("SELECT pg_advisory_lock($1)", [Self.advisoryLockKey])
        defer { _ = try? connection.query("SELECT pg_advisory_unlock($1)", [Self.advisoryLockKey]) }

        try connection.execute(script: """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version bigint PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now(),
                duration_ms bigint NOT NULL CHECK (duration_ms >= 0)
            )
            """)
        let status = try status(on: connection)
        guard status.drifted.isEmpty else { throw MigrationError.drift(status.drifted) }
        for unknown in status.unknown {
            logger.warning("database has a migration this binary does not know", metadata: [
                "version": "\(unknown.version)", "name": "\(unknown.name)",
            ])
        }
        for migration in status.pending {
            let duration = try apply(migration, on: connection)
            logger.info("applied migration", metadata: [
                "file": "\(migration.fileName)", "duration_ms": "\(duration.milliseconds)",
            ])
            onApplied(migration, duration)
        }
        return status.pending
    }

    private func apply(_ migration: Migration, on connection: PGConnection) throws -> Duration {
        let clock = ContinuousClock()
        let start = clock.now
        let run = {
            for statement in SQLScript.statements(in: migration.sql) {
                do {
                    try connection.execute(script: statement.text)
                } catch let error as PGError {
                    throw MigrationError.failed(
                        fileName: migration.fileName,
                        line: statement.fileLine(ofPosition: error.serverError?.position),
                        error: error)
                }
            }
            try connection.query(
                "INSERT INTO schema_migrations (version, name, checksum, duration_ms) VALUES ($1, $2, $3, $4)",
                [migration.version, migration.name, migration.checksum, (clock.now - start).milliseconds])
        }
        if migration.runsInTransaction {
            try connection.transaction { try run() }
        } else {
            try run()
        }
        return clock.now - start
    }

    private func appliedMigrations(on connection: PGConnection) throws -> [AppliedMigration] {
        let exists = try connection.query("SELECT to_regclass('schema_migrations') IS NOT NULL")
        guard try exists.first?.decode(Bool.self, at: 0) == true else { return [] }
        return try connection.query(
            "SELECT version, name, checksum, applied_at, duration_ms FROM schema_migrations ORDER BY version"
        ).rows.map { row in
            AppliedMigration(
                version: try row.decode(Int.self, at: 0),
                name: try row.decode(String.self, at: 1),
                checksum: try row.decode(String.self, at: 2),
                appliedAt: try row.decode(Date.self, at: 3),
                durationMilliseconds: try row.decode(Int.self, at: 4))
        }
    }
}

extension Duration {
    var milliseconds: Int {
        Int(components.seconds) * 1000 + Int(components.attoseconds / 1_000_000_000_000_000)
    }

    package var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
