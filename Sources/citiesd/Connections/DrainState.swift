import Synchronization

/// Set when `serve` is asked to stop: `ready/` answers 503 so the gateway's health check takes the
/// replica out, and every response carries `Connection: close` so clients reconnect elsewhere.
final class DrainState: Sendable {
    private let draining = Atomic(false)

    var isDraining: Bool { draining.load(ordering: .relaxed) }

    /// Starts draining; true the first time only.
    @discardableResult
    func begin() -> Bool {
        !draining.exchange(true, ordering: .relaxed)
    }
}
