import Synchronization

/// Answers within a bound whatever the work does: libpq calls cannot be interrupted, so when the
/// database hangs the caller gets ``Deadline/Exceeded`` on time while the work finishes (or times
/// out) on its own thread, cancelled.
enum Deadline {
    struct Exceeded: Error, CustomStringConvertible {
        let timeout: Duration
        var description: String { "no answer within \(timeout)" }
    }

    static func run<T: Sendable>(_ timeout: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
            let answer = Answer(continuation)
            let work = Task {
                answer.give(await Result(catching: operation))
            }
            Task {
                try? await Task.sleep(for: timeout)
                work.cancel()
                answer.give(.failure(Exceeded(timeout: timeout)))
            }
        }
    }

    /// The first result given wins; later ones are dropped.
    private final class Answer<T: Sendable>: Sendable {
        private let continuation: Mutex<CheckedContinuation<T, Error>?>

        init(_ continuation: CheckedContinuation<T, Error>) {
            self.continuation = Mutex(continuation)
        }

        func give(_ result: Result<T, Error>) {
            continuation.withLock { $0.take() }?.resume(with: result)
        }
    }
}

extension Result where Failure == Error {
    init(catching body: () async throws -> Success) async {
        do {
            self = .success(try await body())
        } catch {
            self = .failure(error)
        }
    }
}
