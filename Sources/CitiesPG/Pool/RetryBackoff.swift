/// Pauses between retries that grow exponentially and are spread at random ("full jitter"), so
/// clients that failed together do not retry together.
public struct RetryBackoff: Sendable {
    public let initial: Duration
    public let maximum: Duration
    private var ceiling: Duration

    public init(initial: Duration, maximum: Duration) {
        precondition(initial > .zero && maximum >= initial, "the pauses need 0 < initial ≤ maximum")
        self.initial = initial
        self.maximum = maximum
        self.ceiling = initial
    }

    /// The next pause: uniform in [0, ceiling], the ceiling doubling up to `maximum`.
    public mutating func next() -> Duration {
        defer { ceiling = min(ceiling * 2, maximum) }
        return ceiling * Double.random(in: 0...1)
    }

    /// Back to the shortest pauses, after a success.
    public mutating func reset() {
        ceiling = initial
    }
}
