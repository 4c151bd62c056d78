import Logging
import Synchronization

/// Logs a message that repeats — a warning per request or per retry while the database is down —
/// at most once per `interval`: the first occurrence at once, later ones counted and reported on
/// the next line that is logged, as `suppressed=N`. Messages are throttled each on their own.
package final class LogThrottle: Sendable {
    package let interval: Duration
    private let now: @Sendable () -> ContinuousClock.Instant
    private let messages = Mutex<[String: Throttled]>([:])

    private struct Throttled {
        var loggedAt: ContinuousClock.Instant
        var suppressed: Int
    }

    /// - Parameter now: the clock; tests pass one they move.
    package init(interval: Duration, now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.interval = interval
        self.now = now
    }

    package func log(
        _ level: Logger.Level, _ message: Logger.Message, metadata: @autoclosure () -> Logger.Metadata = [:], to logger: Logger,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) {
        guard logger.logLevel <= level, let suppressed = admit(message.description) else { return }
        var metadata = metadata()
        if suppressed > 0 { metadata["suppressed"] = "\(suppressed)" }
        logger.log(level: level, message, metadata: metadata, file: file, function: function, line: line)
    }

    /// The number of occurrences suppressed since the last line when this one is to be logged,
    /// else nil (and it is counted).
    private func admit(_ key: String) -> Int? {
        let now = now()
        return messages.withLock { messages in
            guard let throttled = messages[key], now < throttled.loggedAt + interval else {
                defer { messages[key] = Throttled(loggedAt: now, suppressed: 0) }
                return messages[key]?.suppressed ?? 0
            }
            messages[key]!.suppressed += 1
            return nil
        }
    }
}
