import CitiesCore
import Crypto
import Foundation
import Logging
import ServiceLifecycle

/// ``IdempotencyStore`` on the `idempotency_keys` table, shared by every replica. A write's answer
/// is saved in the write's own transaction (see ``PendingAnswer`` and its `claim`/`save`); other
/// answers (4xx) are saved here afterwards. Run it as a `Service` (after the pool) to prune
/// expired answers: any replica may, in batches that skip rows another replica is deleting.
package struct PostgresIdempotencyStore: IdempotencyStore, Service {
    package struct Configuration: Sendable {
        /// How often expired answers are deleted.
        package var pruneInterval: Duration = .seconds(60)
        /// Rows deleted per statement, so that pruning never runs long or locks much at once.
        package var pruneBatchSize = 1000

        package init() {}
    }

    package let pool: PGPool
    package let configuration: Configuration
    private let logger: Logger

    package init(pool: PGPool, configuration: Configuration = Configuration(), logger: Logger = Logger(label: "citiesd.idempotency")) {
        self.pool = pool
        self.configuration = configuration
        self.logger = logger
    }

    package func keptAnswer(for key: IdempotencyKey) async throws -> KeptAnswer? {
        try await pool.withConnection { connection in
            let row = try connection.query("""
                SELECT fingerprint, status, location, content_type, body FROM idempotency_keys
                WHERE owner = $1 AND key = $2 AND expires_at > now()
                """, [key.owner, key.value]).first
            guard let row else { return nil }
            guard try row.decode([UInt8].self, at: 0) == key.fingerprint else { return .otherRequest }
            return .replay(StoredResponse(
                status: try row.decode(Int.self, at: 1), location: try row.decode(String?.self, at: 2),
                contentType: try row.decode(String?.self, at: 3), body: try row.decode([UInt8].self, at: 4)))
        }
    }

    package func save(_ response: StoredResponse, for key: IdempotencyKey) async throws {
        try await pool.withConnection { connection in _ = try Self.insert(response, for: key, on: connection) }
    }

    /// Deletes the expired answers, at most `pruneBatchSize` per statement; returns how many.
    @discardableResult
    package func pruneExpired() async throws -> Int {
        var pruned = 0
        while true {
            let deleted = try await pool.withConnection { [batch = configuration.pruneBatchSize] connection in
                try connection.query("""
                    DELETE FROM idempotency_keys WHERE (owner, key) IN (
                        SELECT owner, key FROM idempotency_keys WHERE expires_at <= now() LIMIT $1 FOR UPDATE SKIP LOCKED)
                    """, [batch]).affectedRows
            }
            pruned += deleted
            if deleted < configuration.pruneBatchSize { return pruned }
        }
    }

    package func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let pruned = try await pruneExpired()
                    if pruned > 0 { logger.debug("expired idempotency keys pruned", metadata: ["count": "\(pruned)"]) }
                } catch {
                    logger.warning("pruning expired idempotency keys failed; retrying later", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: configuration.pruneInterval)
            }
        }
    }

    // MARK: Inside a write's transaction

    /// Takes the key for the rest of the transaction: a transaction-level advisory lock (another
    /// request holding it: ``IdempotencyConflict/inProgress``), then checks that no answer was kept
    /// since the key was looked up (``IdempotencyConflict/answered``). Two statements on purpose: a
    /// READ COMMITTED statement reads the snapshot taken when it started, so the check must start
    /// after the lock is held, or it could miss an answer its holder committed in between.
    static func claim(_ key: IdempotencyKey, on connection: PGConnection) throws {
        guard try connection.query("SELECT pg_try_advisory_xact_lock($1)", [lockKey(key)]).first!.decode(Bool.self, at: 0) else {
            throw IdempotencyConflict.inProgress
        }
        let kept = try connection.query(
            "SELECT 1 FROM idempotency_keys WHERE owner = $1 AND key = $2 AND expires_at > now()", [key.owner, key.value])
        if kept.rowCount > 0 { throw IdempotencyConflict.answered }
    }

    /// Keeps `response` under `key` unless an unexpired answer is kept there (an expired one is
    /// replaced); false when one was.
    static func insert(_ response: StoredResponse, for key: IdempotencyKey, on connection: PGConnection) throws -> Bool {
        try connection.query("""
            INSERT INTO idempotency_keys AS k (owner, key, fingerprint, status, location, content_type, body, expires_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, now() + make_interval(secs => $8))
            ON CONFLICT (owner, key) DO UPDATE SET
                fingerprint = EXCLUDED.fingerprint, status = EXCLUDED.status, location = EXCLUDED.location,
                content_type = EXCLUDED.content_type, body = EXCLUDED.body, created_at = now(), expires_at = EXCLUDED.expires_at
            WHERE k.expires_at <= now()
            """, [key.owner, key.value, key.fingerprint, response.status, response.location, response.contentType, response.body,
                  key.lifetime / .seconds(1)]).affectedRows == 1
    }

    /// The advisory lock of a key: 64 bits of a hash of its owner and value. Two keys sharing one
    /// only make one of them wait for a 409 retry.
    static func lockKey(_ key: IdempotencyKey) -> Int64 {
        var hash = SHA256()
        hash.update(data: key.owner)
        hash.update(data: Array(key.value.utf8))
        return hash.finalize().prefix(8).reduce(Int64(0)) { ($0 << 8) | Int64($1) }
    }
}
