import CitiesCore
import CitiesPG
import Foundation
import Hummingbird

/// `health/` (liveness: the process answers, no database) and `ready/` (the database answers, its
/// schema is current and the counts are loaded), for the gateway's and the orchestrator's probes.
struct HealthController: Sendable {
    let pool: PGPool
    let counts: (any VersionedReads)?
    let runner: MigrationRunner
    let metadata: ServiceMetadata
    let drain: DrainState
    /// `ready/` answers 503 when the database has not answered by then: a hung server must take
    /// the replica out of the gateway's rotation, not hang its health check.
    var readyTimeout: Duration = .seconds(1)

    struct Health: JSONWritable {
        let status: String
        let version: String
        let branch: String
        let stack: String

        func write(to json: inout JSONWriter) {
            json.beginObject()
            json.field("branch", branch)
            json.field("stack", stack)
            json.field("status", status)
            json.field("version", version)
            json.endObject()
        }
    }

    var routes: [APIRoute] {
        [
            APIRoute("health/", APIView(name: "Health", description: "Liveness; never touches the database.")
                .on(.get) { _, _ in
                    JSONResponse.make(Health(status: "ok", version: metadata.version, branch: metadata.branch, stack: metadata.stack), status: .ok)
                }),
            APIRoute("ready/", APIView(name: "Ready", description: "200 when the database answers and no migration is pending; 503 once shutting down.")
                .on(.get) { _, context in try await ready(context: context) }),
        ]
    }

    private func ready(context: CitiesRequestContext) async throws -> Response {
        if drain.isDraining {
            return JSONResponse.detail("Shutting down.", status: .serviceUnavailable, headers: [.retryAfter: "5"])
        }
        let status: MigrationStatus
        do {
            status = try await Deadline.run(readyTimeout) { [pool, runner, counts] in
                let status = try await pool.withConnection { try runner.status(on: $0) }
                if status.isUpToDate { _ = try await counts?.readVersion(now: Date()) }
                return status
            }
        } catch {
            ErrorResponder.unavailableWarnings.log(.warning, "readiness check: database unavailable", metadata: ["error": "\(error)"], to: context.logger)
            return JSONResponse.detail("Database unavailable.", status: .serviceUnavailable, headers: [.retryAfter: "5"])
        }
        guard status.isUpToDate else {
            let detail = status.drifted.isEmpty
                ? "\(status.pending.count) migration(s) pending: run `citiesd migrate`."
                : "Migration checksum drift: \(status.drifted.map(\.fileName).joined(separator: ", "))."
            return JSONResponse.detail(detail, status: .serviceUnavailable, headers: [.retryAfter: "5"])
        }
        return JSONResponse.make(["status": "ready"], status: .ok)
    }
}
