import ArgumentParser
import Logging

/// How `serve` holds and lets go of client connections.
struct ConnectionOptions: ParsableArguments {
    @Option(help: "Seconds a keep-alive connection may wait for its next request; keep it above the gateway's upstream keep-alive timeout (Kong: 60). Env: CITIESD_IDLE_TIMEOUT. Default: 75.")
    var idleTimeout: Double?

    @Option(help: "Seconds a client has to send a request's line and headers, from its first byte (a new connection: from connecting). Env: CITIESD_HEADER_TIMEOUT. Default: 10.")
    var headerTimeout: Double?

    @Option(help: "Seconds a request body may go without receiving a byte. Env: CITIESD_BODY_TIMEOUT. Default: 30.")
    var bodyTimeout: Double?

    @Option(help: "Connections served at once; at the limit the longest-idle one is closed to make room, else a new one is answered 503. Lowered to fit the open-file limit. Env: CITIESD_MAX_CONNECTIONS. Default: 4096.")
    var maxConnections: Int?

    @Option(help: "Connections the kernel queues until citiesd accepts them (capped by net.core.somaxconn). Env: CITIESD_BACKLOG. Default: 4096.")
    var backlog: Int?

    @Option(help: "Seconds SIGTERM keeps serving before shutting down, with ready/ answering 503 and every response closing its connection; at least the gateway's health-check interval × failures (Kong: 5 × 2). Env: CITIESD_DRAIN_PERIOD. Default: 10.")
    var drainPeriod: Double?

    @Option(help: "Seconds requests in flight get to finish after the drain; citiesd exits at most 1 s later regardless. Env: CITIESD_GRACE_PERIOD. Default: 10.")
    var gracePeriod: Double?

    /// The limits from the options, with the soft open-file limit raised to the hard one first and
    /// the connection limit lowered so the pool and the process's own files always find a descriptor.
    func limits(_ environment: Environment, poolConnections: Int, logger: Logger) throws -> ConnectionLimits {
        let maxConnections = try environment.resolve(maxConnections, "CITIESD_MAX_CONNECTIONS", default: 4096)
        guard maxConnections > 0 else { throw ValidationError("max connections must be positive, got \(maxConnections)") }
        var limits = ConnectionLimits(
            idleTimeout: try seconds(idleTimeout, "CITIESD_IDLE_TIMEOUT", "idle timeout", default: 75, environment),
            headerTimeout: try seconds(headerTimeout, "CITIESD_HEADER_TIMEOUT", "header timeout", default: 10, environment),
            bodyTimeout: try seconds(bodyTimeout, "CITIESD_BODY_TIMEOUT", "body timeout", default: 30, environment),
            maxConnections: maxConnections)
        let before = OpenFileLimit.current()
        guard let files = OpenFileLimit.raiseSoftToHard() ?? before else {
            logger.warning("cannot read the open-file limit; the connection limit is not checked against it")
            return limits
        }
        if let before, before.soft < files.soft {
            logger.info("raised the open-file limit", metadata: ["from": "\(before.soft)", "to": "\(files.soft)"])
        } else if files.soft < files.hard {
            logger.warning("cannot raise the open-file limit", metadata: ["soft": "\(files.soft)", "hard": "\(files.hard)"])
        }
        let capacity = files.connectionCapacity(poolConnections: poolConnections)
        guard capacity > 0 else {
            throw ValidationError("the open-file limit \(files.soft) leaves no descriptor for connections: the pool takes \(poolConnections), \(OpenFileLimit.reservedForFiles) are kept for files and \(ConnectionLimits.acceptHeadroom) for connections above the limit")
        }
        if capacity < limits.maxConnections {
            logger.notice("max connections lowered to fit the open-file limit", metadata: [
                "max_connections": "\(capacity)", "configured": "\(limits.maxConnections)", "open_file_limit": "\(files.soft)",
            ])
            limits.maxConnections = capacity
        }
        return limits
    }

    func listenBacklog(_ environment: Environment) throws -> Int {
        let backlog = try environment.resolve(backlog, "CITIESD_BACKLOG", default: 4096)
        guard (1...65535).contains(backlog) else { throw ValidationError("backlog must be 1…65535, got \(backlog)") }
        return backlog
    }

    func shutdownPeriods(_ environment: Environment) throws -> (drain: Duration, grace: Duration) {
        let drain = try seconds(drainPeriod, "CITIESD_DRAIN_PERIOD", "drain period", default: 10, environment, allowZero: true)
        return (drain, try seconds(gracePeriod, "CITIESD_GRACE_PERIOD", "grace period", default: 10, environment))
    }

    private func seconds(_ flag: Double?, _ variable: String, _ name: String, default defaultValue: Double,
                         _ environment: Environment, allowZero: Bool = false) throws -> Duration {
        let value = try environment.resolve(flag, variable, default: defaultValue)
        guard value.isFinite, allowZero ? value >= 0 : value > 0, value <= 86_400 else {
            throw ValidationError("the \(name) must be \(allowZero ? "0…86400" : "above 0 and at most 86400") seconds, got \(value)")
        }
        return .milliseconds(Int((value * 1000).rounded()))
    }
}
