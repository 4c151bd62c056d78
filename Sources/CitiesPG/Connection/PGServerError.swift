/// An error the PostgreSQL server reported, with every diagnostic field libpq exposes.
///
/// Callers branch on ``sqlState`` (for example ``isUniqueViolation``) rather than on message text,
/// which the server localises.
public struct PGServerError: Sendable, Hashable, CustomStringConvertible {
    public var sqlState: String
    public var severity: String
    public var message: String
    public var detail: String?
    public var hint: String?
    /// 1-based character offset of the error in the statement text, when the server reports one.
    public var position: Int?
    public var schema: String?
    public var table: String?
    public var column: String?
    public var constraint: String?

    public init(
        sqlState: String, severity: String, message: String, detail: String? = nil, hint: String? = nil,
        position: Int? = nil, schema: String? = nil, table: String? = nil, column: String? = nil,
        constraint: String? = nil
    ) {
        self.sqlState = sqlState
        self.severity = severity
        self.message = message
        self.detail = detail
        self.hint = hint
        self.position = position
        self.schema = schema
        self.table = table
        self.column = column
        self.constraint = constraint
    }

    /// The two-character SQLSTATE class, e.g. `23` for integrity constraint violations.
    public var sqlStateClass: Substring { sqlState.prefix(2) }

    public var isUniqueViolation: Bool { sqlState == "23505" }
    public var isForeignKeyViolation: Bool { sqlState == "23503" }
    public var isCheckViolation: Bool { sqlState == "23514" }
    public var isNotNullViolation: Bool { sqlState == "23502" }
    public var isQueryCanceled: Bool { sqlState == "57014" }

    /// True when the transaction lost only to other transactions — a deadlock (40P01), a
    /// serialization failure (40001) or a lock wait past `lock_timeout` (55P03) — so running it
    /// again may succeed.
    public var isConcurrencyConflict: Bool {
        ["40P01", "40001", "55P03"].contains(sqlState)
    }

    /// True when the server cannot serve right now (connection exceptions, shutdown, resource
    /// exhaustion, a statement cancelled by `statement_timeout` because the server is slow or hung,
    /// contention that outlasted the retries): the request may succeed later, so HTTP callers
    /// answer 503.
    public var isUnavailable: Bool {
        switch sqlStateClass {
        case "08", "53", "57": return true
        default: return isConcurrencyConflict
        }
    }

    public var description: String {
        var text = "\(severity) \(sqlState): \(message)"
        if let detail { text += " (detail: \(detail))" }
        if let hint { text += " (hint: \(hint))" }
        if let constraint { text += " (constraint: \(constraint))" }
        return text
    }
}
