#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's open-file limit (`RLIMIT_NOFILE`): every connection, pool connection and file
/// takes a descriptor from it.
struct OpenFileLimit: Equatable, Sendable {
    var soft: Int
    var hard: Int

    /// Descriptors for everything but client connections and the pool's connections: listening
    /// socket, event loops, log and data files, child processes.
    static let reservedForFiles = 64

    static func current() -> OpenFileLimit? {
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return nil }
        return OpenFileLimit(soft: clamped(limit.rlim_cur), hard: clamped(limit.rlim_max))
    }

    /// Raises the soft limit to the hard limit (the most an unprivileged process may use); nil when
    /// the system refuses.
    static func raiseSoftToHard() -> OpenFileLimit? {
        guard var limit = current() else { return nil }
        guard limit.soft < limit.hard else { return limit }
        var raised = rlimit(rlim_cur: rlim_t(limit.hard), rlim_max: rlim_t(limit.hard))
        #if canImport(Darwin)
        raised.rlim_cur = min(raised.rlim_cur, rlim_t(OPEN_MAX))
        #endif
        guard setrlimit(resource, &raised) == 0 else { return nil }
        limit.soft = clamped(raised.rlim_cur)
        return limit
    }

    /// The most connections that can be served while the pool's connections, the files and the
    /// connections accepted beyond the limit (`ConnectionLimits.acceptHeadroom`) still find a descriptor.
    func connectionCapacity(poolConnections pool: Int) -> Int {
        soft - pool - Self.reservedForFiles - ConnectionLimits.acceptHeadroom
    }

    #if canImport(Glibc)
    private static let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
    private static let resource = RLIMIT_NOFILE
    #endif

    private static func clamped(_ value: rlim_t) -> Int {
        value >= rlim_t(Int.max) ? Int.max : Int(value)
    }
}
