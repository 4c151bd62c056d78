/// Sizing and timing of a ``PGPool``.
public struct PGPoolConfiguration: Sendable, Hashable {
    public var connection: PGConfiguration
    /// Connections open at most at once; also the number of threads that run libpq calls.
    public var maxConnections: Int
    /// How long a caller waits for a free connection before ``PGError/poolTimeout(maxConnections:timeout:)``.
    public var acquireTimeout: Duration

    /// The longest one ``PGPool/withConnection(_:)`` takes when the server stops answering:
    /// the wait for a connection (connecting included) plus one exchange; `nil` when exchanges are
    /// unbounded. A caller making several calls bounds them together with ``PGPool/deadline``.
    public var operationBound: Duration? { connection.responseTimeout.map { acquireTimeout + $0 } }

    public init(connection: PGConfiguration, maxConnections: Int = 10, acquireTimeout: Duration = .seconds(5)) {
        precondition(maxConnections > 0, "a pool needs at least one connection")
        self.connection = connection
        self.maxConnections = maxConnections
        self.acquireTimeout = acquireTimeout
    }
}
