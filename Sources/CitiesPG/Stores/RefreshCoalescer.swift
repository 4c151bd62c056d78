import Synchronization

/// Runs a refresh for many callers at once: at most one run is in flight, and every caller gets the
/// outcome of a run that *started after* it called — so whatever the caller did before calling
/// (committed a write) is included. Callers arriving while a run is in flight wait for the next
/// one, which serves all of them.
///
/// The runs happen in a task of their own, so a caller that is cancelled does not fail the others.
/// No lock is held while a run is in flight.
final class RefreshCoalescer: Sendable {
    private let state = Mutex(State())

    private struct State {
        var waiting: [CheckedContinuation<Void, Error>] = []
        var running = false
    }

    /// Waits for a run of `work` that starts after this call. Callers pass the same work; the one
    /// that finds no run in flight starts the loop that runs it while anyone is waiting.
    func refresh(_ work: @escaping @Sendable () async throws -> Void) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            let startsRunning = state.withLock { state in
                state.waiting.append(continuation)
                defer { state.running = true }
                return !state.running
            }
            if startsRunning { Task { await self.runWhileWaited(work) } }
        }
    }

    /// Callers waiting for the next run.
    var waiting: Int { state.withLock { $0.waiting.count } }

    private func runWhileWaited(_ work: @Sendable () async throws -> Void) async {
        while let batch = nextBatch() {
            let outcome: Result<Void, Error>
            do {
                try await work()
                outcome = .success(())
            } catch {
                outcome = .failure(error)
            }
            for continuation in batch { continuation.resume(with: outcome) }
        }
    }

    /// The callers the next run serves (all that wait now), or nil — and the loop ends — if none.
    private func nextBatch() -> [CheckedContinuation<Void, Error>]? {
        state.withLock { state in
            guard !state.waiting.isEmpty else {
                state.running = false
                return nil
            }
            defer { state.waiting = [] }
            return state.waiting
        }
    }
}
