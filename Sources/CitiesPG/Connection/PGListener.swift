import Foundation
import Logging
import NIOPosix

/// A session of its own, on a thread of its own, that LISTENs to one channel.
///
/// It reports ``Event/listening`` each time its `LISTEN` has taken effect — notifications sent
/// before then are lost, so a caller reads what it may have missed — ``Event/notified`` for each
/// burst of notifications (those already waiting are reported once), and ``Event/lost`` when the
/// session failed; it then connects again with backoff. A server that went silent without closing
/// the connection is found by a round trip after `livenessInterval` of silence.
final class PGListener: Sendable {
    enum Event: Sendable {
        case listening
        case notified
        case lost
    }

    private let configuration: PGConfiguration
    private let channel: String
    private let livenessInterval: Duration
    private let logger: Logger
    private let warnings = LogThrottle(interval: .seconds(10))

    /// `channel` is a plain lower-case identifier, named in SQL text (`LISTEN` takes no parameter).
    init(configuration: PGConfiguration, channel: String, livenessInterval: Duration = .seconds(10), logger: Logger) {
        precondition(!channel.isEmpty && channel.utf8.allSatisfy { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || $0 == UInt8(ascii: "_") },
                     "a channel is a plain lower-case identifier")
        var configuration = configuration
        // Without one, a liveness round trip to a server cut off without a reset would never end.
        configuration.responseTimeout = configuration.responseTimeout ?? .seconds(5)
        self.configuration = configuration
        self.channel = channel
        self.livenessInterval = livenessInterval
        self.logger = logger
    }

    /// Listens, calling `report` on the listener's thread, until the task is cancelled.
    func run(_ report: @escaping @Sendable (Event) -> Void) async {
        var pipeEnds: [Int32] = [-1, -1]
        guard pipe(&pipeEnds) == 0 else {
            logger.error("cannot listen for notifications: no pipe", metadata: ["channel": "\(channel)", "error": "\(String(cString: strerror(errno)))"])
            return
        }
        let (wake, stop) = (pipeEnds[0], pipeEnds[1])
        defer { close(wake); close(stop) }
        let thread = NIOThreadPool(numberOfThreads: 1)
        thread.start()
        await withTaskCancellationHandler {
            _ = try? await thread.runIfActive { self.listen(stoppingWhenReadable: wake, report) }
        } onCancel: {
            // Never read: once written, every later wait on `wake` returns at once.
            var byte: UInt8 = 1
            _ = write(stop, &byte, 1)
        }
        try? await thread.shutdownGracefully()
    }

    private func listen(stoppingWhenReadable wake: Int32, _ report: @Sendable (Event) -> Void) {
        var backoff = RetryBackoff(initial: .milliseconds(100), maximum: .seconds(5))
        var failures = 0
        while !Self.waitUntilReadable(wake, timeout: .zero) {
            do {
                let connection = try PGConnection.connect(configuration)
                defer { connection.close() }
                try connection.execute(script: "LISTEN \(channel)")
                if failures > 0 { logger.notice("listening for notifications again", metadata: ["channel": "\(channel)", "failed_attempts": "\(failures)"]) }
                failures = 0
                backoff.reset()
                report(.listening)
                var heardAt = ContinuousClock.now
                while true {
                    if !(try connection.awaitNotifications(timeout: livenessInterval, orReadable: wake)).isEmpty {
                        report(.notified)
                        heardAt = .now
                    } else if Self.waitUntilReadable(wake, timeout: .zero) {
                        return
                    } else if ContinuousClock.now - heardAt >= livenessInterval {
                        try connection.query("SELECT 1")
                        heardAt = .now
                    }
                }
            } catch {
                failures += 1
                report(.lost)
                let delay = backoff.next()
                warnings.log(.warning, "not listening for notifications; connecting again", metadata: [
                    "channel": "\(channel)", "error": "\(error)", "retry_in_ms": "\(delay.milliseconds)",
                ], to: logger)
                _ = Self.waitUntilReadable(wake, timeout: delay)
            }
        }
    }

    private static func waitUntilReadable(_ descriptor: Int32, timeout: Duration) -> Bool {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, Int32(clamping: timeout.milliseconds)) > 0
    }
}
