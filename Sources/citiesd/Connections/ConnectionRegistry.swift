import CoreMetrics
import Logging
import NIOCore
import Synchronization

/// The server's open connections, kept under `limits.maxConnections`. At the limit a new connection
/// is served in place of the one that has waited longest for a request (an idle keep-alive
/// connection, or one that has not sent a byte yet), which is closed as any idle connection may be;
/// when every connection is busy the new one is refused (`ConnectionGuardHandler` answers its
/// request 503 and closes it).
final class ConnectionRegistry: Sendable {
    enum Admission { case serve, refuse }

    let limits: ConnectionLimits
    private let logger: Logger
    private let state = Mutex(State())
    private let open: Gauge
    private let refused: Counter

    private struct State {
        var open = 0
        /// Connections between requests, with the instant they started waiting.
        var waiting: [ObjectIdentifier: (since: NIODeadline, channel: any Channel)] = [:]
        /// Whether the limit has been hit since the count was last below it (logged once per stretch).
        var atLimit = false
    }

    /// Reports `citiesd_http_connections_open` and `citiesd_http_connections_refused_total` to `metrics`.
    init(limits: ConnectionLimits = ConnectionLimits(), logger: Logger = Logger(label: "citiesd.connections"),
         metrics: any MetricsFactory = MetricsSystem.factory) {
        self.limits = limits
        self.logger = logger
        open = Gauge(label: "citiesd_http_connections_open", factory: metrics)
        refused = Counter(label: "citiesd_http_connections_refused_total", factory: metrics)
        open.record(0)
    }

    var openConnections: Int { state.withLock { $0.open } }
    var waitingConnections: Int { state.withLock { $0.waiting.count } }

    /// Counts a new connection (until `remove`) and decides whether it is served.
    func admit(_ channel: any Channel) -> Admission {
        let maximum = limits.maxConnections
        let (admission, displaced, reachedLimit) = state.withLock { state -> (Admission, (any Channel)?, Bool) in
            state.open += 1
            var admission = Admission.serve
            var displaced: (any Channel)?
            if state.open > maximum {
                if let longest = state.waiting.min(by: { $0.value.since < $1.value.since }) {
                    state.waiting[longest.key] = nil
                    displaced = longest.value.channel
                } else {
                    admission = .refuse
                }
            }
            if admission == .serve { state.waiting[ObjectIdentifier(channel)] = (.now(), channel) }
            open.record(state.open)
            let reachedLimit = state.open > maximum && !state.atLimit
            if reachedLimit { state.atLimit = true }
            return (admission, displaced, reachedLimit)
        }
        displaced?.close(promise: nil)
        if admission == .refuse { refused.increment() }
        if reachedLimit {
            logger.warning("connection limit reached: closing the longest-idle connections for new ones, refusing new ones while none is idle",
                           metadata: ["max_connections": "\(maximum)"])
        }
        return admission
    }

    func remove(_ channel: any Channel) {
        state.withLock { state in
            state.open -= 1
            open.record(state.open)
            state.waiting[ObjectIdentifier(channel)] = nil
            if state.open < limits.maxConnections { state.atLimit = false }
        }
    }

    /// The connection waits for its next request: it may be closed to make room.
    func markWaiting(_ channel: any Channel, since: NIODeadline) {
        state.withLock { $0.waiting[ObjectIdentifier(channel)] = (since, channel) }
    }

    /// The connection is reading a request or answering one.
    func markBusy(_ channel: any Channel) {
        state.withLock { _ = $0.waiting.removeValue(forKey: ObjectIdentifier(channel)) }
    }
}
