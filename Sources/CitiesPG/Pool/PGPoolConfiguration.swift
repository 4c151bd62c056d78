/// Sizing and timing of a ``PGPool``.
public struct PGPoolConfiguration: Sendable, Hashable {
    /// How each of the pool's connections is opened.
    public var connection: PGConfiguration
    /// Connections open at most at once; also the number of threads that run libpq calls.
    public var maxConnections: Int
    /// How long a caller waits for a free connection before failing with ``PGError/Code/poolTimeout``.
    public var acquireTimeout: Duration

    /// The longest one ``PGPool/withConnection(_:)`` takes when the server stops answering:
    /// the wait for a connection (connecting included) plus one exchange; `nil` when exchanges are
    /// unbounded. A caller making several calls bounds them together with `PGPool.deadline`.
    public var operationBound: Duration? { connection.responseTimeout.map { acquireTimeout + $0 } }

    /// By default 10 connections and a 5 s acquire timeout; `maxConnections` must be at least 1.
    public init(connection: PGConfiguration, maxConnections: Int = 10, acquireTimeout: Duration = .seconds(5)) {
        precondition(maxConnections > 0, "a pool needs at least one connection")
        self.connection = connection
        self.maxConnections = maxConnections
        self.acquireTimeout = acquireTimeout
    }
}
