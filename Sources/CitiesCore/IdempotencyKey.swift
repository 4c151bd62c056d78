/// A client's `Idempotency-Key` on one write request: whose key it is, the key itself, and a
/// fingerprint of the request it came with, so that a key cannot be replayed for another request.
package struct IdempotencyKey: Sendable, Hashable {
    /// SHA-256 of the API token that sent it: keys of different clients never meet.
    package var owner: [UInt8]
    package var value: String
    /// SHA-256 of the request's method, target and body.
    package var fingerprint: [UInt8]
    /// How long the answer is kept once saved.
    package var lifetime: Duration

    package init(owner: [UInt8], value: String, fingerprint: [UInt8], lifetime: Duration) {
        self.owner = owner
        self.value = value
        self.fingerprint = fingerprint
        self.lifetime = lifetime
    }
}
