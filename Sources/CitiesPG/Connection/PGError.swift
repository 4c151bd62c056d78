import Foundation

/// Every failure CitiesPG reports.
///
/// A struct with a ``code`` rather than an enum, as postgres-nio's `PSQLError` is: new kinds of
/// failure can be added without breaking a caller's `switch`. Compare codes with `==` (a `switch`
/// over ``code`` needs a `default`). Server-side errors keep the server's diagnostics in
/// ``serverError``; ``description`` says what went wrong, in words for an operator, and never holds
/// a password.
public struct PGError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case connectionFailed, connectionLost, server, decoding, invalidParameter, poolTimeout, poolClosed, responseTimeout, unexpected
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The connection could not be established: host unreachable, bad credentials, unknown
        /// database. libpq reports no SQLSTATE for these, only its message.
        public static let connectionFailed = Code(.connectionFailed)
        /// An established connection broke, e.g. because the server restarted.
        public static let connectionLost = Code(.connectionLost)
        /// The server rejected a statement; ``PGError/serverError`` holds its diagnostics.
        public static let server = Code(.server)
        /// A result column could not be decoded as the requested Swift type.
        public static let decoding = Code(.decoding)
        /// A parameter cannot be sent, e.g. a string holding a NUL byte.
        public static let invalidParameter = Code(.invalidParameter)
        /// No connection became free within the pool's acquire timeout.
        public static let poolTimeout = Code(.poolTimeout)
        /// The pool was closed, e.g. during shutdown.
        public static let poolClosed = Code(.poolClosed)
        /// The server did not answer within ``PGConfiguration/responseTimeout`` (or before the task's
        /// `PGPool.deadline`); the connection was abandoned.
        public static let responseTimeout = Code(.responseTimeout)
        /// libpq answered something the client did not expect (out of memory, protocol state).
        public static let unexpected = Code(.unexpected)

        public var description: String { base.rawValue }
    }

    /// The kind of failure: compare it with `==`, or `switch` over it with a `default`.
    public let code: Code
    /// The server's diagnostics, when the server reported the error.
    public let serverError: PGServerError?
    public let description: String

    private init(_ code: Code, _ description: String, serverError: PGServerError? = nil) {
        self.code = code
        self.description = description
        self.serverError = serverError
    }

    /// The server's SQLSTATE, when the server reported the error.
    public var sqlState: String? { serverError?.sqlState }

    /// True for ``Code/responseTimeout``: the connection was abandoned mid-exchange, so a `COMMIT` (or
    /// a statement outside a transaction) that was in flight may or may not have taken effect.
    public var isResponseTimeout: Bool { code == .responseTimeout }

    /// True when the database is unavailable rather than the request being wrong: HTTP callers
    /// answer 503 with `Retry-After`.
    public var isUnavailable: Bool {
        switch code {
        case .connectionFailed, .connectionLost, .poolTimeout, .poolClosed, .responseTimeout: true
        case .server: serverError?.isUnavailable ?? false
        default: false
        }
    }

    /// `target` is where the connection was going, as ``PGConfiguration/redactedDescription``.
    package static func connectionFailed(message: String, target: String) -> PGError {
        PGError(.connectionFailed, "cannot connect to PostgreSQL at \(target): \(message). "
            + "Check DATABASE_URL (or the PG* variables), that the server is running, and the credentials.")
    }

    package static func connectionLost(message: String) -> PGError {
        PGError(.connectionLost, "the PostgreSQL connection was lost: \(message)")
    }

    package static func server(_ error: PGServerError) -> PGError {
        PGError(.server, "PostgreSQL error \(error)", serverError: error)
    }

    package static func decoding(column: String, expected: String, found: String) -> PGError {
        PGError(.decoding, "cannot decode column \"\(column)\" as \(expected): it holds \(found)")
    }

    /// `index` counts from 1, as `$1` does.
    package static func invalidParameter(index: Int, reason: String) -> PGError {
        PGError(.invalidParameter, "parameter $\(index) cannot be sent: \(reason)")
    }

    package static func poolTimeout(maxConnections: Int, timeout: Duration) -> PGError {
        PGError(.poolTimeout, "no database connection became free within \(timeout) (all \(maxConnections) in use); "
            + "raise the pool size or look for slow queries")
    }

    package static let poolClosed = PGError(.poolClosed, "the connection pool is closed")

    package static func responseTimeout(_ timeout: Duration) -> PGError {
        PGError(.responseTimeout, "PostgreSQL did not answer within \(timeout); the server may be hung or unreachable")
    }

    package static func unexpected(_ message: String) -> PGError {
        PGError(.unexpected, "unexpected libpq state: \(message)")
    }
}

extension PGError: LocalizedError {
    public var errorDescription: String? { description }
}
