/// Sizing and timing of a ``PostgresPool``.
public struct PostgresPoolConfiguration: Sendable, Hashable {
    public var connection: PostgresConfiguration
    /// Connections open at most at once; also the number of threads that run libpq calls.
    public var maxConnections: Int
    /// How long a caller waits for a free connection before ``PostgresError/poolTimeout(maxConnections:timeout:)``.
    public var acquireTimeout: Duration

    /// The longest one ``PostgresPool/withConnection(_:)`` takes when the server stops answering:
    /// the wait for a connection (connecting included) plus one exchange; `nil` when exchanges are
    /// unbounded. A caller making several calls bounds them together with ``PostgresPool/deadline``.
    public var operationBound: Duration? { connection.responseTimeout.map { acquireTimeout + $0 } }

    public init(connection: PostgresConfiguration, maxConnections: Int = 10, acquireTimeout: Duration = .seconds(5)) {
        precondition(maxConnections > 0, "a pool needs at least one connection")
        self.connection = connection
        self.maxConnections = maxConnections
        self.acquireTimeout = acquireTimeout
    }
}
