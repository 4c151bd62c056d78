import CitiesPG
import CitiesPGTesting
import Foundation
import Logging

/// `serve --embedded`: a persistent private cluster under the project folder with a `citiesd`
/// database, migrated and loaded with sample data on first use (`import geonames --embedded`
/// loads real cities instead: no sample data).
enum EmbeddedDatabase {
    static let databaseName = "citiesd"

    static func prepare(directory: URL, sampleData: Bool = true, logger: Logger) async throws -> (cluster: EmbeddedPostgres, connection: PGConfiguration) {
        let cluster = try await EmbeddedPostgres.start(.persistent(at: directory), logger: logger)
        do {
            let connection = try await cluster.createDatabaseIfMissing(databaseName)
            let runner = MigrationRunner(migrations: try Migration.bundled(), logger: logger)
            let loaded = try await CommandDatabase.withConnection(connection) { connection in
                try runner.migrate(on: connection)
                return sampleData ? try SampleData.loadIfEmpty(on: connection, now: Date()) : nil
            }
            if let loaded {
                logger.info("loaded sample data", metadata: ["cities": "\(loaded.cities)", "events": "\(loaded.events)"])
            }
            return (cluster, connection)
        } catch {
            try? await cluster.stop()
            throw error
        }
    }
}
