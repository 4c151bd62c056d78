/// The answer to a request made with an idempotency key, handed to the repository with the write
/// so that both commit in one transaction: a retry then finds the answer exactly when the write
/// happened, even if the request failed after the commit (a lost connection, a crash, a 503 from a
/// later step) — a committed write without its answer would make the retry write again.
///
/// The API sets ``current`` around a repository write. A repository whose writes are database
/// transactions claims the key first (throwing ``IdempotencyConflict``) and, when the write
/// succeeds, saves ``answer(to:)`` of its result before committing; `PostgresCitiesStore` does
/// (and `LiveCitiesStore` through it). ``InMemoryCitiesStore`` keeps no answers.
package struct PendingAnswer: Sendable {
    @TaskLocal package static var current: PendingAnswer?

    package let key: IdempotencyKey
    private let render: @Sendable (any Sendable) -> StoredResponse?

    /// `render` makes the answer from what the repository's write method returns (a `City`,
    /// `true` for a delete, an `UpsertSummary`).
    package init<Result: Sendable>(key: IdempotencyKey, render: @escaping @Sendable (Result) -> StoredResponse) {
        self.key = key
        self.render = { ($0 as? Result).map(render) }
    }

    /// The answer to a write that returned `result`; nil when `result` is not what this answer is
    /// rendered from.
    package func answer(to result: some Sendable) -> StoredResponse? {
        render(result)
    }
}
