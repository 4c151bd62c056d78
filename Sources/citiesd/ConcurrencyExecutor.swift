import NIOCore
import NIOPosix

/// Where Swift's tasks run, chosen once at start by `CITIESD_EXECUTOR`.
///
/// `swift` (the default) keeps Swift's cooperative pool. `event-loops` installs NIO's event loops —
/// the ones Hummingbird serves connections on — as Swift's global executor, so a request's handler
/// runs on its connection's loop without a hop to the pool and back. That is safe, since nothing
/// in this process blocks a task (libpq runs on the pool's own threads, imports read and validate
/// on Dispatch threads), but it was never faster on the 2-core machines this was tuned on, and up
/// to ~27 % slower (`scripts/benchmark --only executor`), so it is there to be measured elsewhere.
enum ConcurrencyExecutor: String {
    case eventLoops = "event-loops"
    case swift

    static let variable = "CITIESD_EXECUTOR"

    struct InvalidValue: Error, CustomStringConvertible {
        let value: String
        var description: String { "\(ConcurrencyExecutor.variable) must be event-loops or swift, not \"\(value)\"" }
    }

    init(environment: [String: String]) throws(InvalidValue) {
        guard let value = environment[Self.variable] else {
            self = .swift
            return
        }
        guard let executor = Self(rawValue: value) else { throw InvalidValue(value: value) }
        self = executor
    }

    func install() {
        guard self == .eventLoops else { return }
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }
}
