/// Answers kept under idempotency keys, each for its key's lifetime.
package protocol IdempotencyStore: Sendable {
    /// What is kept under `key`; nil when nothing is (never used, or expired).
    func keptAnswer(for key: IdempotencyKey) async throws -> KeptAnswer?
    /// Keeps `response` under `key`, unless an answer is kept there already.
    func save(_ response: StoredResponse, for key: IdempotencyKey) async throws
}

/// What an idempotency key holds.
package enum KeptAnswer: Sendable, Hashable {
    /// The answer to the request the key came with now.
    case replay(StoredResponse)
    /// The key was used with a different request (another fingerprint).
    case otherRequest
}

/// Why a write could not claim its idempotency key: a request with the key is being written right
/// now, or one was answered after this request looked the key up. The write is rolled back.
package enum IdempotencyConflict: Error, Sendable, Hashable {
    case inProgress
    case answered
}
