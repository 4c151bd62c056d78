import Foundation

/// A row of `schema_migrations`.
public struct AppliedMigration: Sendable, Hashable {
    /// The migration's ``Migration/version``.
    public let version: Int
    /// The migration's ``Migration/name`` when it was applied.
    public let name: String
    /// The file's ``Migration/checksum`` when it was applied.
    public let checksum: String
    /// When it was applied, by the server's clock: `now()` of the transaction that recorded it.
    public let appliedAt: Date
    /// How long its statements took, as the runner measured.
    public let durationMilliseconds: Int
}

/// How the database's applied migrations compare with the binary's.
public struct MigrationStatus: Sendable {
    /// Every row of `schema_migrations`, by version; empty before the first migration.
    public var applied: [AppliedMigration]
    /// Known to the binary, not applied yet.
    public var pending: [Migration]
    /// Applied, but the file has changed since.
    public var drifted: [Migration]
    /// Applied in the database but unknown to this binary (a newer binary migrated it).
    public var unknown: [AppliedMigration]

    /// True when nothing is pending or drifted; migrations only the database knows do not count.
    public var isUpToDate: Bool { pending.isEmpty && drifted.isEmpty }

    init(migrations: [Migration], applied: [AppliedMigration]) {
        let appliedByVersion = Dictionary(uniqueKeysWithValues: applied.map { ($0.version, $0) })
        let known = Set(migrations.map(\.version))
        self.applied = applied
        self.pending = migrations.filter { appliedByVersion[$0.version] == nil }
        self.drifted = migrations.filter { migration in
            appliedByVersion[migration.version].map { $0.checksum != migration.checksum } ?? false
        }
        self.unknown = applied.filter { !known.contains($0.version) }
    }
}
