import CoreMetrics
import Foundation
import Logging
import NIOPosix
import ServiceLifecycle
import Synchronization

/// A bounded pool of libpq connections that runs every libpq call on its own threads.
///
/// libpq blocks, so callers hand the pool a synchronous closure: ``withConnection(_:)`` waits
/// (asynchronously, without holding a thread) for a free connection, then runs the closure on one of
/// the pool's `maxConnections` dedicated threads. Swift's cooperative pool and NIO's event loops never
/// run libpq. Connections open lazily; an idle connection found broken (server restarted) is replaced
/// before use, and one that broke during use is dropped when it comes back.
public final class PGPool: Sendable {
    /// The pool's size and timeouts, fixed for its lifetime.
    public let configuration: PGPoolConfiguration
    private let threads: NIOThreadPool
    private let state = Mutex(State())
    private let logger: Logger
    private let metrics: PGPoolMetrics
    /// A hung database times out every waiting caller: one line per 10 s, with the count.
    private let exhaustedWarnings = LogThrottle(interval: .seconds(10))

    /// What a caller gets from ``acquire()``: an open connection, or the right to open a new one.
    private enum Lease: Sendable {
        case existing(PGConnection)
        case newSlot
    }

    private struct Waiter {
        let continuation: CheckedContinuation<Lease, Error>
        var timeout: Task<Void, Never>?
    }

    private struct State {
        var idle: [PGConnection] = []
        var openSlots = 0
        var waiters: [UInt64: Waiter] = [:]
        var waiterOrder: [UInt64] = []
        var nextWaiterID: UInt64 = 0
        var isClosed = false

        func report(to metrics: PGPoolMetrics) {
            metrics.poolChanged(open: openSlots, idle: idle.count, waiting: waiters.count)
        }

        mutating func popOldestWaiter() -> Waiter? {
            while !waiterOrder.isEmpty {
                if let waiter = waiters.removeValue(forKey: waiterOrder.removeFirst()) { return waiter }
            }
            return nil
        }
    }

    /// When set, bounds all the database work of the task that set it (a request, say): waiting for
    /// a connection, connecting and every exchange end by then, however many calls the task makes,
    /// with ``PGError/poolTimeout(maxConnections:timeout:)``, a failed connection or
    /// ``PGError/responseTimeout(_:)``.
    @TaskLocal package static var deadline: ContinuousClock.Instant?

    /// Starts the pool's `maxConnections + 1` threads; no connection opens until a caller needs one,
    /// so an unreachable server shows only then. ``close()`` (or running it as a `Service`) stops
    /// the threads. Its metrics (`citiespg_pool_*`, `citiespg_statement_duration_seconds`,
    /// `citiespg_errors_total`, `citiespg_transaction_retries_total`) go to `metrics`.
    public init(configuration: PGPoolConfiguration, logger: Logger = Logger(label: "citiesd.postgres"),
                metrics: any MetricsFactory = MetricsSystem.factory) {
        self.configuration = configuration
        self.logger = logger
        self.metrics = PGPoolMetrics(factory: metrics, maxConnections: configuration.maxConnections)
        // One thread per connection, plus one for closing connections, which must not wait for a free one.
        self.threads = NIOThreadPool(numberOfThreads: configuration.maxConnections + 1)
        threads.start()
    }

    /// Runs `body` with a connection on one of the pool's threads.
    ///
    /// Throws what `body` throws, or ``PGError/Code/poolTimeout`` when no connection became free
    /// within ``PGPoolConfiguration/acquireTimeout`` (or the task's `PGPool.deadline`),
    /// ``PGError/Code/poolClosed`` once the pool is closed, ``PGError/Code/connectionFailed`` when a
    /// connection had to be opened and could not be, and `CancellationError` when the task is
    /// cancelled while waiting. Once `body` runs, cancelling the task does not interrupt it.
    @discardableResult
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (PGConnection) throws -> T) async throws -> T {
        let deadline = Self.deadline
        let lease = try await acquire(until: deadline)
        let configuration = configuration.connection
        let metrics = metrics
        let outcome: (PGConnection?, Result<T, Error>)
        do {
            outcome = try await threads.runIfActive {
                let connection: PGConnection
                do {
                    switch lease {
                    case .existing(let idle) where idle.isUsableAfterIdling():
                        connection = idle
                    case .existing(let broken):
                        broken.close()
                        connection = try PGConnection.connect(configuration, until: deadline)
                    case .newSlot:
                        connection = try PGConnection.connect(configuration, until: deadline)
                    }
                } catch {
                    if let error = error as? PGError { metrics.failed(error) }
                    return (nil, .failure(error))
                }
                connection.ceiling = deadline
                connection.metrics = metrics
                defer { connection.ceiling = nil }
                return (connection, Result { try body(connection) })
            }
        } catch {
            release(nil)
            throw PGError.poolClosed
        }
        release(outcome.0)
        return try outcome.1.get()
    }

    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws. When only
    /// concurrency made it fail (``PGServerError/isConcurrencyConflict``: a deadlock, a
    /// serialization failure, a lock wait past `lock_timeout`), the whole transaction runs again
    /// after a jittered pause, up to `attempts` times in all; the last failure is thrown.
    @discardableResult
    public func withTransaction<T: Sendable>(attempts: Int = 4, _ body: @escaping @Sendable (PGConnection) throws -> T) async throws -> T {
        var backoff = RetryBackoff(initial: .milliseconds(20), maximum: .milliseconds(500))
        for attempt in 1... {
            do {
                return try await withConnection { connection in try connection.transaction { try body(connection) } }
            } catch let error as PGError where attempt < attempts && error.serverError?.isConcurrencyConflict == true {
                logger.debug("transaction lost to a concurrent one; running it again", metadata: ["sqlstate": "\(error.sqlState ?? "")", "attempt": "\(attempt)"])
                metrics.transactionRetried(sqlState: error.sqlState ?? "")
                try await Task.sleep(for: backoff.next())
            }
        }
        fatalError("unreachable")
    }

    /// Closes idle connections, fails waiting callers with ``PGError/Code/poolClosed`` and stops the
    /// pool's threads once the closures running now have finished.
    public func close() async {
        let (idle, waiters) = state.withLock { state -> ([PGConnection], [Waiter]) in
            state.isClosed = true
            let idle = state.idle
            state.openSlots -= idle.count
            state.idle = []
            let waiters = Array(state.waiters.values)
            state.waiters = [:]
            state.waiterOrder = []
            state.report(to: metrics)
            return (idle, waiters)
        }
        for waiter in waiters {
            waiter.timeout?.cancel()
            waiter.continuation.resume(throwing: PGError.poolClosed)
        }
        _ = try? await threads.runIfActive { idle.forEach { $0.close() } }
        try? await threads.shutdownGracefully()
    }

    /// Connections open now, idle or in use.
    public var openConnections: Int { state.withLock { $0.openSlots } }

    // MARK: Acquire and release

    private func acquire(until deadline: ContinuousClock.Instant?) async throws -> Lease {
        var timeout = configuration.acquireTimeout
        if let deadline { timeout = min(timeout, deadline - .now) }
        let id = state.withLock { state -> UInt64 in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Lease, Error>) in
                let mustWait = state.withLock { state -> Bool in
                    defer { state.report(to: metrics) }
                    if state.isClosed {
                        continuation.resume(throwing: PGError.poolClosed)
                    } else if let connection = state.idle.popLast() {
                        continuation.resume(returning: .existing(connection))
                    } else if state.openSlots < configuration.maxConnections {
                        state.openSlots += 1
                        continuation.resume(returning: .newSlot)
                    } else if Task.isCancelled {
                        continuation.resume(throwing: CancellationError())
                    } else {
                        state.waiters[id] = Waiter(continuation: continuation)
                        state.waiterOrder.append(id)
                        return true
                    }
                    return false
                }
                if mustWait { scheduleTimeout(for: id, after: timeout) }
            }
        } onCancel: {
            failWaiter(id, with: CancellationError())
        }
    }

    private func scheduleTimeout(for id: UInt64, after timeout: Duration) {
        let error = PGError.poolTimeout(maxConnections: configuration.maxConnections, timeout: timeout)
        let task = Task { [weak self] in
            guard (try? await Task.sleep(for: timeout)) != nil else { return }
            self?.failWaiter(id, with: error)
        }
        let stillWaiting = state.withLock { state -> Bool in
            guard state.waiters[id] != nil else { return false }
            state.waiters[id]?.timeout = task
            return true
        }
        if !stillWaiting { task.cancel() }
    }

    private func failWaiter(_ id: UInt64, with error: Error) {
        let waiter = state.withLock { state in
            defer { state.report(to: metrics) }
            return state.waiters.removeValue(forKey: id)
        }
        guard let waiter else { return }
        waiter.timeout?.cancel()
        waiter.continuation.resume(throwing: error)
        if (error as? PGError)?.code == .poolTimeout {
            metrics.acquireTimedOut()
            exhaustedWarnings.log(.warning, "database pool exhausted", metadata: ["max_connections": "\(configuration.maxConnections)"], to: logger)
        }
    }

    /// Returns a connection (or, with `nil`, a slot whose connection failed) to the pool. A broken
    /// connection, or one left inside a transaction, is closed instead of reused.
    private func release(_ connection: PGConnection?) {
        let reusable = connection.flatMap { $0.isIdle ? $0 : nil }
        let discarded = reusable == nil ? connection : nil
        let waiter = state.withLock { state -> Waiter? in
            defer { state.report(to: metrics) }
            if !state.isClosed, let waiter = state.popOldestWaiter() { return waiter }
            if let reusable, !state.isClosed {
                state.idle.append(reusable)
            } else {
                state.openSlots -= 1
                if let reusable { closeOnPoolThread(reusable) }
            }
            return nil
        }
        if let discarded { closeOnPoolThread(discarded) }
        if let waiter {
            waiter.timeout?.cancel()
            waiter.continuation.resume(returning: reusable.map(Lease.existing) ?? .newSlot)
        }
    }

    /// `PQfinish` talks to the server, so it runs on the pool's spare thread too.
    private func closeOnPoolThread(_ connection: PGConnection) {
        threads.submit { _ in connection.close() }
    }
}

extension PGPool: Service {
    /// Keeps the pool open until graceful shutdown, then closes it. Put it before the services
    /// that use it in a `ServiceGroup`, so it is closed after they have drained.
    public func run() async throws {
        try? await gracefulShutdown()
        await close()
    }
}
