/// How long a client may keep a connection without making progress, and how many connections are
/// served at once (each holds a file descriptor).
struct ConnectionLimits: Sendable {
    /// A keep-alive connection waiting for its next request is closed after this long.
    var idleTimeout: Duration = .seconds(75)
    /// A request's head (request line and headers) must be complete this long after its first byte
    /// arrived, or, for a connection's first request, after the connection was accepted.
    var headerTimeout: Duration = .seconds(10)
    /// A request body that receives nothing for this long is abandoned and its connection closed.
    var bodyTimeout: Duration = .seconds(30)
    /// Connections served at once; see `ConnectionRegistry` for what happens above it.
    var maxConnections = 4096

    /// Connections accepted beyond `maxConnections`, each to take an idle connection's place or be
    /// answered 503; beyond them citiesd stops accepting (new connections wait in the listen
    /// backlog) until connections close. Never running out of descriptors matters: libdispatch
    /// traps (SIGILL) when it cannot open `/proc/<tid>/stat` for its thread pool monitor.
    static let acceptHeadroom = 64

    /// Connections held open at most, served or not.
    var acceptLimit: Int { maxConnections + Self.acceptHeadroom }
}
