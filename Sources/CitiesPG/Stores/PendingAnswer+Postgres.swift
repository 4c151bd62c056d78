import CitiesCore

extension PendingAnswer {
    /// First in a write's transaction: takes the key, or throws ``IdempotencyConflict``.
    func claim(on connection: PGConnection) throws {
        try PostgresIdempotencyStore.claim(key, on: connection)
    }

    /// Last in a write's transaction, once the write succeeded: saves the answer to `result`, so it
    /// commits with the write.
    func save(answerTo result: some Sendable, on connection: PGConnection) throws {
        guard let response = answer(to: result) else {
            assertionFailure("the pending answer is not rendered from a \(type(of: result))")
            return
        }
        guard try PostgresIdempotencyStore.insert(response, for: key, on: connection) else { throw IdempotencyConflict.answered }
    }
}
