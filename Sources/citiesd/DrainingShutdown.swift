import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization
import UnixSignals

/// Runs `serve`'s services until a signal stops them. SIGTERM (an orchestrator's stop) drains first:
/// `ready/` answers 503 so the gateway's health check takes the replica out, while requests, also on
/// new connections, are still served with `Connection: close`; after the drain period the services
/// shut down gracefully (the listener closes, requests in flight finish). After the grace period
/// they are cancelled, and a second later the process exits even if a request ignores cancellation
/// (a computation never checks it). SIGINT (Ctrl-C) skips the drain.
struct DrainingShutdown {
    let drain: DrainState
    var drainPeriod: Duration
    var gracePeriod: Duration
    let logger: Logger

    /// Time for cancelled services to return before the process exits without them.
    static let cancellationAllowance = Duration.seconds(1)

    func run(_ services: [any Service]) async throws {
        var configuration = ServiceGroupConfiguration(services: services, logger: logger)
        configuration.maximumGracefulShutdownDuration = gracePeriod
        let group = ServiceGroup(configuration: configuration)
        let deadline = ExitDeadline()
        try await withThrowingDiscardingTaskGroup { tasks in
            tasks.addTask { await shutDownOnSignal(group, deadline: deadline) }
            try await group.run()
            deadline.cancel()
            tasks.cancelAll()
        }
    }

    private func shutDownOnSignal(_ group: ServiceGroup, deadline: ExitDeadline) async {
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        await withDiscardingTaskGroup { drains in
            for await signal in signals {
                let first = drain.begin()
                guard signal == .sigterm, first, drainPeriod > .zero else {
                    logger.info("shutting down", metadata: ["signal": "\(signal)"])
                    await shutDown(group, deadline: deadline)
                    continue
                }
                logger.info("draining: ready/ answers 503, responses close their connections", metadata: [
                    "signal": "\(signal)", "drain_period": "\(drainPeriod)", "grace_period": "\(gracePeriod)",
                ])
                drains.addTask {
                    guard (try? await Task.sleep(for: drainPeriod)) != nil else { return }
                    logger.info("drain period over, shutting down")
                    await shutDown(group, deadline: deadline)
                }
            }
        }
    }

    private func shutDown(_ group: ServiceGroup, deadline: ExitDeadline) async {
        deadline.arm(after: gracePeriod + Self.cancellationAllowance, logger: logger)
        await group.triggerGracefulShutdown()
    }
}

/// Exits the process if shutting down outlasts its bound. Timed on an event loop rather than the
/// cooperative pool, which requests that ignore cancellation may be keeping busy.
private final class ExitDeadline: Sendable {
    private let scheduled = Mutex<Scheduled<Void>?>(nil)

    func arm(after limit: Duration, logger: Logger) {
        scheduled.withLock { scheduled in
            guard scheduled == nil else { return }
            scheduled = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: TimeAmount(limit)) {
                logger.error("shutdown outlasted the grace period; exiting with requests still running", metadata: ["limit": "\(limit)"])
                exit(0)
            }
        }
    }

    func cancel() {
        scheduled.withLock { $0?.cancel() }
    }
}
