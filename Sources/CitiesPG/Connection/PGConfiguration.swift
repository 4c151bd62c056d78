import CLibPQ
import Foundation

/// How to reach PostgreSQL.
///
/// ``connectionString`` is handed to libpq unchanged, so both `postgres://user:pass@host:5432/db?sslmode=require`
/// URLs and `host=… dbname=…` conninfo strings work, TLS settings (`sslmode`, `sslcert`, `sslkey`,
/// `sslrootcert`) included. Anything the string leaves out comes from the standard `PG*` environment
/// variables, as with `psql`.
public struct PGConfiguration: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// A `postgres://` URL or a `key=value` conninfo string; empty leaves everything to the `PG*`
    /// variables and libpq's defaults. It may hold a password: log ``redactedDescription`` instead.
    public var connectionString: String
    /// Reported to the server as `application_name` unless the connection string sets one.
    public var applicationName: String
    /// Seconds to wait for a connection; `PGCONNECT_TIMEOUT` or the connection string win when set.
    public var connectTimeoutSeconds: Int
    /// Applied to every session as `statement_timeout`; `nil` leaves the server's setting.
    public var statementTimeout: Duration?
    /// Applied to every session as `lock_timeout`: how long a statement waits for a row lock that
    /// another transaction holds before failing with SQLSTATE 55P03; `nil` leaves the server's setting.
    public var lockTimeout: Duration?
    /// How long one exchange with the server (a statement and its results) may take before the
    /// connection is given up as hung; `nil` waits as long as the server takes. Set it above
    /// ``statementTimeout``, which the server enforces while it still runs.
    public var responseTimeout: Duration?
    /// How many prepared statements a connection keeps; the least recently used is deallocated to
    /// make room. Statements are keyed by their text, so a caller building SQL text per call
    /// (instead of binding parameters) would otherwise grow every session without bound.
    public var preparedStatementCapacity: Int

    /// By default: `citiesd` as application name, a 5 s connect timeout, the server's
    /// `statement_timeout` and `lock_timeout`, no response timeout, 256 prepared statements per
    /// connection. Nothing is checked here; ``validate()`` checks the connection string.
    public init(
        _ connectionString: String = "",
        applicationName: String = "citiesd",
        connectTimeoutSeconds: Int = 5,
        statementTimeout: Duration? = nil,
        lockTimeout: Duration? = nil,
        responseTimeout: Duration? = nil,
        preparedStatementCapacity: Int = 256
    ) {
        self.connectionString = connectionString
        self.applicationName = applicationName
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.statementTimeout = statementTimeout
        self.lockTimeout = lockTimeout
        self.responseTimeout = responseTimeout
        self.preparedStatementCapacity = preparedStatementCapacity
    }

    /// `DATABASE_URL` when set, else libpq's `PG*` variables and defaults. Only `DATABASE_URL` is read
    /// from `environment`: libpq reads the `PG*` variables from the process's environment.
    public static func fromEnvironment(_ environment: [String: String]) -> PGConfiguration {
        PGConfiguration(environment["DATABASE_URL"] ?? "")
    }

    /// Checks the connection string's syntax without connecting.
    public func validate() throws {
        _ = try parsedOptions()
    }

    /// `user@host:port/dbname` as libpq will resolve it, never the password: safe for logs and errors.
    public var redactedDescription: String {
        let options = (try? parsedOptions()) ?? [:]
        func part(_ key: String, _ fallback: String) -> String { (options[key] ?? nil) ?? fallback }
        return "\(part("user", "(default user)"))@\(part("host", "(default host)")):\(part("port", "5432"))/\(part("dbname", "(default database)"))"
    }

    /// Never the connection string, which may hold a password: interpolating a configuration into a
    /// log line or an error is safe.
    public var description: String { "PGConfiguration(\(redactedDescription))" }
    public var debugDescription: String { description }

    /// The parameters libpq will use: the connection string merged with `PG*` variables and defaults.
    func parsedOptions() throws -> [String: String?] {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(connectionString, &errorMessage) else {
            let message = errorMessage.map { Self.withoutQuotedValues(String(cString: $0).trimmingTrailingWhitespace()) } ?? "invalid connection string"
            if let errorMessage { PQfreemem(errorMessage) }
            throw PGError.connectionFailed(message: message, target: "(unparsable connection string)")
        }
        defer { PQconninfoFree(options) }
        var result: [String: String?] = [:]
        var entry = options
        while let keyword = entry.pointee.keyword {
            result[String(cString: keyword)] = entry.pointee.val.map { String(cString: $0) }
            entry += 1
        }
        let environmentFallbacks = ["user": "PGUSER", "host": "PGHOST", "port": "PGPORT", "dbname": "PGDATABASE"]
        for (key, variable) in environmentFallbacks where (result[key] ?? nil) == nil {
            if let value = getenv(variable) { result[key] = String(cString: value) }
        }
        return result
    }

    /// libpq's message about a malformed connection string, with what it quotes from the string
    /// replaced by `"…"` unless it is a connection keyword or a separator: it may quote the whole
    /// URL, password included, or a percent-encoded password alone.
    static func withoutQuotedValues(_ message: String) -> String {
        let parts = message.split(separator: "\"", omittingEmptySubsequences: false)
        // Odd-numbered parts lie between quotes; an unterminated quote leaves an even count.
        return parts.enumerated().map { index, part in
            let quoted = index % 2 == 1
            let safe = index < parts.count - 1 && (keywords.contains(String(part)) || ["=", ":", "/", "]"].contains(part))
            return quoted && !safe ? "…" : String(part)
        }.joined(separator: "\"")
    }

    /// libpq's connection keywords (`host`, `port`, `sslmode`, …).
    private static let keywords: Set<String> = {
        guard let defaults = PQconndefaults() else { return [] }
        defer { PQconninfoFree(defaults) }
        var keywords: Set<String> = []
        var entry = defaults
        while let keyword = entry.pointee.keyword {
            keywords.insert(String(cString: keyword))
            entry += 1
        }
        return keywords
    }()
}

extension String {
    func trimmingTrailingWhitespace() -> String {
        var text = Substring(self)
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return String(text)
    }
}
