/// How a transaction runs: the characteristics of its `BEGIN`, chosen from PostgreSQL's fixed set
/// so that no caller text reaches the statement.
public struct PGTransactionMode: Sendable, Hashable {
    /// The isolation levels PostgreSQL implements (it runs `READ UNCOMMITTED` as `READ COMMITTED`).
    public enum IsolationLevel: String, Sendable, Hashable {
        /// Each statement sees what was committed before it began; PostgreSQL's default.
        case readCommitted = "READ COMMITTED"
        /// Every statement sees the snapshot of the transaction's first one; updating a row that a
        /// concurrent transaction changed and committed fails with SQLSTATE 40001.
        case repeatableRead = "REPEATABLE READ"
        /// As if the transactions ran one at a time: any may fail with SQLSTATE 40001 and must be run
        /// again, which ``PGPool/withTransaction(attempts:_:)`` does.
        case serializable = "SERIALIZABLE"
    }

    /// `nil` keeps the session's `default_transaction_isolation`.
    public var isolation: IsolationLevel?
    /// A read-only transaction cannot write; with `serializable` it can also be `deferrable`.
    public var readOnly: Bool
    /// With `serializable` and `readOnly`, the first statement may wait for a snapshot that cannot
    /// fail with a serialization error; without both it has no effect.
    public var deferrable: Bool

    /// By default the session's isolation level, read-write, not deferrable.
    public init(isolation: IsolationLevel? = nil, readOnly: Bool = false, deferrable: Bool = false) {
        self.isolation = isolation
        self.readOnly = readOnly
        self.deferrable = deferrable
    }

    /// The session's defaults.
    public static let `default` = PGTransactionMode()

    var beginStatement: String {
        var words = ["BEGIN"]
        if let isolation { words += ["ISOLATION LEVEL", isolation.rawValue] }
        if readOnly { words.append("READ ONLY") }
        if deferrable { words.append("DEFERRABLE") }
        return words.joined(separator: " ")
    }
}
