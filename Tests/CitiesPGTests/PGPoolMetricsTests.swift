@testable import CitiesPG
import Testing

@Suite struct PGPoolMetricsTests {
    /// Statements are named by the command and the first table they write or read.
    @Test func statementNamesComeFromTheCommandAndTheFirstTable() {
        #expect(PGPoolMetrics.statementName(of: "SELECT c.id FROM cities c WHERE c.id = $1") == "select cities")
        #expect(PGPoolMetrics.statementName(of: "INSERT INTO events (id) VALUES ($1) ON CONFLICT (id) DO UPDATE SET id = excluded.id") == "insert events")
        #expect(PGPoolMetrics.statementName(of: "WITH expired AS (SELECT 1 FROM marks) DELETE FROM event_count_changes WHERE true") == "delete event_count_changes")
        #expect(PGPoolMetrics.statementName(of: "SELECT id FROM tokens WHERE key = $1 FOR UPDATE") == "select tokens")
        #expect(PGPoolMetrics.statementName(of: "UPDATE cities SET name = $1") == "update cities")
        #expect(PGPoolMetrics.statementName(of: "SELECT set_config($1, $2, false)") == "select")
    }
}
