import CitiesCore
import Dispatch
import Synchronization

/// Validates an import's cities on other threads, in order, while the import writes the batches
/// already validated: the database and the validation work at the same time.
final class ValidationPipeline: Sendable {
    private struct State {
        var batches: [[ImportedCity]] = []
        var taken = 0
        /// The failures, by the position of the city in the input.
        var failures: [(index: Int, errors: ValidationErrors)] = []
        var validated = 0
    }

    private let state = Mutex(State())
    /// Signalled once per batch, then once more at the end.
    private let ready = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    /// Starts validating `count` cities with `validate`, which returns the outcomes of a range of
    /// them, in slices of `slice`; hands them out in batches of `batchSize`.
    init(count: Int, batchSize: Int, slice: Int, validate: @escaping @Sendable (Range<Int>) -> [Result<ImportedCity, ValidationErrors>]) {
        DispatchQueue.global().async { [self] in
            var pending: [ImportedCity] = []
            for start in stride(from: 0, to: count, by: slice) {
                let range = start..<min(start + slice, count)
                for (index, outcome) in zip(range, validate(range)) {
                    switch outcome {
                    case .success(let city): pending.append(city)
                    case .failure(let errors): state.withLock { $0.failures.append((index, errors)) }
                    }
                }
                state.withLock { $0.validated = range.upperBound }
                while pending.count >= batchSize {
                    let batch = Array(pending.prefix(batchSize))
                    pending.removeFirst(batchSize)
                    state.withLock { $0.batches.append(batch) }
                    ready.signal()
                }
            }
            if !pending.isEmpty {
                state.withLock { $0.batches.append(pending) }
                ready.signal()
            }
            ready.signal()
            finished.signal()
        }
    }

    /// The next batch, waiting for it to be validated; nil after the last.
    func nextBatch() -> [ImportedCity]? {
        ready.wait()
        return state.withLock { state in
            guard state.taken < state.batches.count else { return nil }
            defer {
                state.batches[state.taken] = []
                state.taken += 1
            }
            return state.batches[state.taken]
        }
    }

    /// Waits until every city is validated, calling `report` with the number validated every
    /// tenth of a second meanwhile; returns the failures, by position.
    func failures(whileWaiting report: (Int) -> Void = { _ in }) -> [(index: Int, errors: ValidationErrors)] {
        while finished.wait(timeout: .now() + .milliseconds(100)) == .timedOut { report(validated) }
        finished.signal()
        return state.withLock { $0.failures }
    }

    /// How many cities are validated so far.
    var validated: Int { state.withLock { $0.validated } }
}
