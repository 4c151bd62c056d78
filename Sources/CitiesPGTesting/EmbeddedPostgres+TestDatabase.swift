import CitiesPG
import Foundation
import NIOPosix

extension EmbeddedPostgres {
    private static let sharedThrowawayCluster = Task { try await EmbeddedPostgres.start(.throwaway()) }

    /// One throwaway cluster per process, started on first use: the tests of citiesd, and of services
    /// that link CitiesPG, share it. Its watchdog stops it when the process exits.
    public static func sharedThrowaway() async throws -> EmbeddedPostgres {
        try await sharedThrowawayCluster.value
    }

    /// A new database on ``sharedThrowaway()``: empty, or with `migrated` the bundled schema applied.
    public static func makeTestDatabase(migrated: Bool = false) async throws -> PGConfiguration {
        let database = try await sharedThrowaway().createDatabaseIfMissing(
            "test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))
        if migrated {
            _ = try await NIOThreadPool.singleton.runIfActive {
                try MigrationRunner(migrations: try Migration.bundled()).migrate(on: try PGConnection.connect(database))
            }
        }
        return database
    }
}
