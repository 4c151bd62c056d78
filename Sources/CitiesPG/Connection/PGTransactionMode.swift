/// How a transaction runs: the characteristics of its `BEGIN`, chosen from PostgreSQL's fixed set
/// so that no caller text reaches the statement.
public struct PGTransactionMode: Sendable, Hashable {
    public enum IsolationLevel: String, Sendable, Hashable {
        case readCommitted = "READ COMMITTED"
        case repeatableRead = "REPEATABLE READ"
        case serializable = "SERIALIZABLE"
    }

    /// `nil` keeps the session's `default_transaction_isolation`.
    public var isolation: IsolationLevel?
    /// A read-only transaction cannot write; with `serializable` it can also be `deferrable`.
    public var readOnly: Bool
    public var deferrable: Bool

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
