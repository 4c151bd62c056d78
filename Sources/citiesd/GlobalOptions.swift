import ArgumentParser
import Logging
import Synchronization

/// Options every command shares.
struct GlobalOptions: ParsableArguments {
    /// swift-log allows one bootstrap per process; tests run several commands in one.
    private static let bootstrapped = Mutex(false)

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical. Env: LOG_LEVEL. Default: info.")
    var logLevel: String?

    func bootstrapLogging(_ environment: Environment) throws -> Logger {
        let name = try environment.resolve(logLevel, "LOG_LEVEL", default: "info")
        guard let level = Logger.Level(rawValue: name.lowercased()) else {
            throw ValidationError("log level \(name) is not one of trace, debug, info, notice, warning, error, critical")
        }
        Self.bootstrapped.withLock { bootstrapped in
            guard !bootstrapped else { return }
            bootstrapped = true
            LoggingSystem.bootstrap { label in
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
