import ArgumentParser
import Logging
import Synchronization

/// Options every command shares.
struct GlobalOptions: ParsableArguments {
    /// swift-log allows one bootstrap per process; tests run several commands in one.
    private static let bootstrapped = Mutex(false)

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical. Env: LOG_LEVEL. Default: info.")
    var logLevel: String?

    @Option(help: "Log format: text (one key=value line per event, for a terminal) or json (one JSON object per line, for a log collector). Env: LOG_FORMAT. Default: text.")
    var logFormat: String?

    func bootstrapLogging(_ environment: Environment) throws -> Logger {
        let name = try environment.resolve(logLevel, "LOG_LEVEL", default: "info")
        guard let level = Logger.Level(rawValue: name.lowercased()) else {
            throw ValidationError("log level \(name) is not one of trace, debug, info, notice, warning, error, critical")
        }
        let format = try environment.resolve(logFormat, "LOG_FORMAT", default: "text").lowercased()
        guard ["text", "json"].contains(format) else { throw ValidationError("log format \(format) is not one of text, json") }
        Self.bootstrapped.withLock { bootstrapped in
            guard !bootstrapped else { return }
            bootstrapped = true
            LoggingSystem.bootstrap { label in
                if format == "json" {
                    var handler = JSONLineLogHandler(label: label)
                    handler.logLevel = level
                    return handler
                }
                var handler = OneLineLogHandler(StreamLogHandler.standardError(label: OneLineLogHandler.escaped(label), metadataProvider: nil))
                handler.logLevel = level
                return handler
            }
        }
        var logger = Logger(label: "citiesd")
        logger.logLevel = level
        return logger
    }
}
