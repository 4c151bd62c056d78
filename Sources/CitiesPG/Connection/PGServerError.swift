/// An error the PostgreSQL server reported, with its diagnostic fields.
///
/// Callers branch on ``sqlState`` (for example ``isUniqueViolation``) rather than on message text,
/// which the server localises. The fields mirror libpq's `PG_DIAG_*` fields (see
/// `PQresultErrorField`); an optional one is nil when the server did not send it.
public struct PGServerError: Sendable, Hashable, CustomStringConvertible {
    /// The five-character SQLSTATE code (`PG_DIAG_SQLSTATE`), e.g. `23505`.
    public var sqlState: String
    /// `ERROR`, `FATAL` or `PANIC`, never localised (`PG_DIAG_SEVERITY_NONLOCALIZED`, else
    /// `PG_DIAG_SEVERITY`).
    public var severity: String
    /// The primary message (`PG_DIAG_MESSAGE_PRIMARY`), in the server's `lc_messages` language.
    public var message: String
    /// More about the problem (`PG_DIAG_MESSAGE_DETAIL`), e.g. the duplicate key of a unique violation.
    public var detail: String?
    /// What to do about it (`PG_DIAG_MESSAGE_HINT`).
    public var hint: String?
    /// 1-based character offset of the error in the statement text, when the server reports one.
    public var position: Int?
    /// The schema of the object the error concerns (`PG_DIAG_SCHEMA_NAME`).
    public var schema: String?
    /// The table the error concerns (`PG_DIAG_TABLE_NAME`), e.g. that of a violated constraint.
    public var table: String?
    /// The column the error concerns (`PG_DIAG_COLUMN_NAME`), e.g. that of a not-null violation.
    public var column: String?
    /// The violated constraint's name (`PG_DIAG_CONSTRAINT_NAME`), e.g. `cities_slug_key`: how a
    /// store tells which input field was at fault.
    public var constraint: String?

    /// An error as the server would report it; CitiesPG reads them from libpq, tests build them.
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

    /// SQLSTATE 23505, `unique_violation`; ``constraint`` names the unique index or constraint.
    public var isUniqueViolation: Bool { sqlState == "23505" }
    /// SQLSTATE 23503, `foreign_key_violation`: a referenced row is missing, or still referenced.
    public var isForeignKeyViolation: Bool { sqlState == "23503" }
    /// SQLSTATE 23514, `check_violation`.
    public var isCheckViolation: Bool { sqlState == "23514" }
    /// SQLSTATE 23502, `not_null_violation`.
    public var isNotNullViolation: Bool { sqlState == "23502" }
    /// SQLSTATE 57014, `query_canceled`: `statement_timeout` expired or the statement was cancelled
    /// (`pg_cancel_backend`).
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
