import Foundation

extension EmbeddedPostgres {
    private static let sharedThrowawayCluster = Task { try await EmbeddedPostgres.start(.throwaway()) }

    /// One throwaway cluster per process, started on first use: the tests of citiesd, and of services
    /// that link CitiesPG, share it. Its watchdog stops it when the process exits.
    public static func sharedThrowaway() async throws -> EmbeddedPostgres {
        try await sharedThrowawayCluster.value
    }

    /// A new, empty database on ``sharedThrowaway()``.
    public static func makeTestDatabase() async throws -> PostgresConfiguration {
        try await sharedThrowaway().createDatabaseIfMissing(
            "test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))
    }
}
