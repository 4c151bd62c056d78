@testable import CitiesPG
import Synchronization
import Testing

/// Work whose runs each wait until the test ends them, with success or a failure.
final class GatedWork: Sendable {
    struct Failed: Error {}
    private let state = Mutex<(started: Int, gates: [CheckedContinuation<Bool, Never>])>((0, []))

    var started: Int { state.withLock { $0.started } }

    func run() async throws {
        let fails = await withCheckedContinuation { continuation in
            state.withLock { state in
                state.started += 1
                state.gates.append(continuation)
            }
        }
        if fails { throw Failed() }
    }

    /// Ends the run in flight (there is at most one).
    func finish(failing: Bool) {
        let gate = state.withLock { $0.gates.isEmpty ? nil : $0.gates.removeFirst() }
        gate?.resume(returning: failing)
    }
}

/// Waits, polling, until `condition` holds; false if it did not within 10 s.
func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + .seconds(10)
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(5))
    }
    return try await condition()
}

@Suite struct RefreshCoalescerTests {
    /// A caller arriving while a run is in flight is not served by it (it may have written after
    /// that run read) but by the next run, which serves every such caller at once.
    @Test func callersArrivingDuringARunShareTheNextOne() async throws {
        let coalescer = RefreshCoalescer()
        let work = GatedWork()
        /// Whether the caller's refresh succeeded.
        func call() -> Task<Bool, Never> {
            Task { (try? await coalescer.refresh { try await work.run() }) != nil }
        }

        let first = call()
        #expect(try await eventually { work.started == 1 })
        let during = (0..<3).map { _ in call() }
        #expect(try await eventually { coalescer.waiting == 3 })
        #expect(work.started == 1, "no second run while one is in flight")

        work.finish(failing: false)
        #expect(await first.value)
        #expect(try await eventually { work.started == 2 })
        let later = call()
        #expect(try await eventually { coalescer.waiting == 1 })

        work.finish(failing: true)
        for caller in during { #expect(await !caller.value, "served by the second run, which failed") }
        #expect(try await eventually { work.started == 3 })
        work.finish(failing: false)
        #expect(await later.value)
        #expect(work.started == 3)
        #expect(coalescer.waiting == 0)
    }

    /// With nobody waiting the loop stops; the next caller starts a run at once.
    @Test func anIdleCoalescerRunsForTheNextCaller() async throws {
        let coalescer = RefreshCoalescer()
        let work = GatedWork()
        for run in 1...3 {
            let caller = Task { try await coalescer.refresh { try await work.run() } }
            #expect(try await eventually { work.started == run })
            work.finish(failing: false)
            try await caller.value
        }
    }
}
