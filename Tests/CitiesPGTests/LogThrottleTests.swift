@testable import CitiesPG
import Logging
import Synchronization
import Testing

/// A log handler that keeps what is logged through it, for tests to read.
struct RecordingLogHandler: LogHandler {
    struct Line: Sendable {
        let level: Logger.Level
        let message: String
        let metadata: [String: String]
    }

    final class Lines: Sendable {
        private let lines = Mutex<[Line]>([])
        var all: [Line] { lines.withLock { $0 } }
        func append(_ line: Line) { lines.withLock { $0.append(line) } }
    }

    let lines: Lines
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        lines.append(Line(level: event.level, message: event.message.description, metadata: merged.mapValues(\.description)))
    }

    /// A logger recording into a fresh `Lines`.
    static func logger(level: Logger.Level = .trace) -> (Logger, Lines) {
        let lines = Lines()
        var logger = Logger(label: "test") { _ in RecordingLogHandler(lines: lines) }
        logger.logLevel = level
        return (logger, lines)
    }
}

/// A clock the test moves.
final class ManualClock: Sendable {
    private let instant = Mutex(ContinuousClock.now)
    var now: ContinuousClock.Instant { instant.withLock { $0 } }
    func advance(by duration: Duration) { instant.withLock { $0 += duration } }
}

@Suite struct LogThrottleTests {
    @Test func logsTheFirstThenOneLinePerIntervalWithTheCountSuppressed() {
        let clock = ManualClock()
        let throttle = LogThrottle(interval: .seconds(10), now: { clock.now })
        let (logger, lines) = RecordingLogHandler.logger()
        func warn(_ attempt: Int) { throttle.log(.warning, "database unavailable", metadata: ["attempt": "\(attempt)"], to: logger) }

        warn(1)
        for attempt in 2...50 {
            clock.advance(by: .milliseconds(100))
            warn(attempt)
        }
        #expect(lines.all.map(\.metadata) == [["attempt": "1"]], "4.9 s: only the first")
        clock.advance(by: .milliseconds(5_100))
        warn(51)
        #expect(lines.all.count == 2)
        #expect(lines.all.last?.metadata == ["attempt": "51", "suppressed": "49"])
        #expect(lines.all.last?.level == .warning)
        #expect(lines.all.last?.message == "database unavailable")

        clock.advance(by: .seconds(9))
        warn(52)
        clock.advance(by: .seconds(60))
        warn(53)
        #expect(lines.all.dropFirst(2).map(\.metadata) == [["attempt": "53", "suppressed": "1"]])
        clock.advance(by: .seconds(60))
        warn(54)
        #expect(lines.all.last?.metadata == ["attempt": "54"], "nothing suppressed since the last line")
    }

    @Test func messagesAreThrottledEachOnTheirOwn() {
        let clock = ManualClock()
        let throttle = LogThrottle(interval: .seconds(10), now: { clock.now })
        let (logger, lines) = RecordingLogHandler.logger()
        for _ in 0..<3 {
            throttle.log(.warning, "database unavailable", to: logger)
            throttle.log(.warning, "database pool exhausted", to: logger)
        }
        #expect(lines.all.map(\.message) == ["database unavailable", "database pool exhausted"])
    }

    @Test func aLevelTheLoggerDropsIsNotCounted() {
        let clock = ManualClock()
        let throttle = LogThrottle(interval: .seconds(10), now: { clock.now })
        let (quiet, _) = RecordingLogHandler.logger(level: .error)
        let (logger, lines) = RecordingLogHandler.logger()
        throttle.log(.warning, "retrying", to: quiet)
        throttle.log(.warning, "retrying", to: logger)
        #expect(lines.all.count == 1, "the first line that can be seen is logged")
    }
}

@Suite struct RetryBackoffTests {
    struct Seeded: RandomNumberGenerator {
        var random: SeededRandom
        mutating func next() -> UInt64 { random.next() }
    }

    @Test func doublesWithJitterUpToTheMaximumAndStartsOverAfterASuccess() {
        var backoff = RetryBackoff(initial: .milliseconds(20), maximum: .seconds(2))
        var generator = Seeded(random: SeededRandom(seed: 7))
        let ceilings: [Duration] = [20, 40, 80, 160, 320, 640, 1280, 2000, 2000, 2000].map { .milliseconds($0) }
        var waits: [Duration] = []
        for ceiling in ceilings {
            let wait = backoff.next(using: &generator)
            #expect(wait >= ceiling / 2 && wait <= ceiling, "\(wait) within the upper half of \(ceiling)")
            waits.append(wait)
        }
        #expect(Set(waits.suffix(3)).count == 3, "jittered, not equal")
        backoff.reset()
        #expect(backoff.next(using: &generator) <= .milliseconds(20))
    }
}
