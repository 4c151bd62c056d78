import Foundation

/// Every failure CitiesPG reports. Server-side errors keep the server's diagnostics in
/// ``PGServerError``; the other cases say what went wrong on the client side.
public enum PGError: Error, Sendable, CustomStringConvertible {
    /// The connection could not be established: host unreachable, bad credentials, unknown database.
    /// libpq reports no SQLSTATE for these, only its message.
    case connectionFailed(message: String, target: String)
    /// An established connection broke, e.g. because the server restarted.
    case connectionLost(message: String)
    /// The server rejected a statement.
    case server(PGServerError)
    /// A result column could not be decoded as the requested Swift type.
    case decoding(column: String, expected: String, found: String)
    /// A parameter cannot be sent, e.g. a string holding a NUL byte.
    case invalidParameter(index: Int, reason: String)
    /// No connection became free within the pool's acquire timeout.
    case poolTimeout(maxConnections: Int, timeout: Duration)
    /// The pool was closed, e.g. during shutdown.
    case poolClosed
    /// The server did not answer within ``PGConfiguration/responseTimeout``; the connection
    /// was abandoned.
    case responseTimeout(Duration)
    /// libpq answered something the client did not expect (out of memory, protocol state).
    case unexpected(String)

    /// The server's diagnostics, when the server reported the error.
    public var serverError: PGServerError? {
        if case .server(let error) = self { return error }
        return nil
    }

    public var sqlState: String? { serverError?.sqlState }

    public var isResponseTimeout: Bool {
        if case .responseTimeout = self { return true }
        return false
    }

    /// True when the database is unavailable rather than the request being wrong: HTTP callers
    /// answer 503 with `Retry-After`.
    public var isUnavailable: Bool {
        switch self {
        case .connectionFailed, .connectionLost, .poolTimeout, .poolClosed, .responseTimeout: return true
        case .server(let error): return error.isUnavailable
        case .decoding, .invalidParameter, .unexpected: return false
        }
    }

    public var description: String {
        switch self {
        case .connectionFailed(let message, let target):
            return "cannot connect to PostgreSQL at \(target): \(message). "
                + "Check DATABASE_URL (or the PG* variables), that the server is running, and the credentials."
        case .connectionLost(let message):
            return "the PostgreSQL connection was lost: \(message)"
        case .server(let error):
            return "PostgreSQL error \(error)"
        case .decoding(let column, let expected, let found):
            return "cannot decode column \"\(column)\" as \(expected): it holds \(found)"
        case .invalidParameter(let index, let reason):
            return "parameter $\(index) cannot be sent: \(reason)"
        case .poolTimeout(let maxConnections, let timeout):
            return "no database connection became free within \(timeout) (all \(maxConnections) in use); "
                + "raise the pool size or look for slow queries"
        case .poolClosed:
            return "the connection pool is closed"
        case .responseTimeout(let timeout):
            return "PostgreSQL did not answer within \(timeout); the server may be hung or unreachable"
        case .unexpected(let message):
            return "unexpected libpq state: \(message)"
        }
    }
}

extension PGError: LocalizedError {
    public var errorDescription: String? { description }
}
