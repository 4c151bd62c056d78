import CitiesCore
import Foundation

/// ``TokenStore`` on the `api_tokens` table; revoked tokens stay as rows with `revoked_at` set.
package struct PostgresTokenStore: TokenStore {
    package let pool: PGPool

    package init(pool: PGPool) {
        self.pool = pool
    }

    /// `last_used_at` is written at most once a minute per token: every writer of a service shares
    /// its token, and a write per request would make them queue for that one row.
    package func authenticate(keyHash: [UInt8]) async throws -> APIToken? {
        try await pool.withConnection { connection in
            try connection.query("""
                WITH token AS (
                    SELECT id, name, created_at, last_used_at FROM api_tokens WHERE key_hash = $1 AND revoked_at IS NULL
                ), touched AS (
                    UPDATE api_tokens t SET last_used_at = now() FROM token
                    WHERE t.id = token.id AND (token.last_used_at IS NULL OR token.last_used_at < now() - interval '1 minute')
                    RETURNING t.last_used_at
                )
                SELECT name, created_at, COALESCE((SELECT last_used_at FROM touched), token.last_used_at) AS last_used_at FROM token
                """, [keyHash]).first.map(Self.token(from:))
        }
    }

    package func create(name: String, keyHash: [UInt8]) async throws -> APIToken {
        do {
            return try await pool.withConnection { connection in
                try Self.token(from: connection.query(
                    "INSERT INTO api_tokens (name, key_hash) VALUES ($1, $2) RETURNING name, created_at, last_used_at",
                    [name, keyHash]).first!)
            }
        } catch let error as PGError where error.serverError?.constraint == "api_tokens_active_name_key" {
            throw ValidationErrors(["name": [TokenMessages.duplicateName]])
        } catch let error as PGError where error.serverError?.constraint == "api_tokens_name_format" {
            throw ValidationErrors(["name": ["Ensure this field has 1 to 100 characters."]])
        }
    }

    package func list() async throws -> [APIToken] {
        try await pool.withConnection { connection in
            try connection.query("SELECT name, created_at, last_used_at FROM api_tokens WHERE revoked_at IS NULL ORDER BY name")
                .rows.map(Self.token(from:))
        }
    }

    package func revoke(name: String) async throws -> Bool {
        try await pool.withConnection { connection in
            try connection.query("UPDATE api_tokens SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL", [name]).affectedRows == 1
        }
    }

    static func token(from row: PGRow) throws -> APIToken {
        APIToken(name: try row.decode(String.self, at: 0), createdAt: try row.decode(Date.self, at: 1), lastUsedAt: try row.decode(Date?.self, at: 2))
    }
}
