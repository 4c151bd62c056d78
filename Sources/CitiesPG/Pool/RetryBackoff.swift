/// Waits between attempts that keep failing: `initial`, doubling up to `maximum`, each with jitter
/// (a random point in the upper half), so replicas retrying the same database spread out.
struct RetryBackoff: Sendable {
    let initial: Duration
    let maximum: Duration
    /// The longest wait for the next failure; nil until one failed.
    private var ceiling: Duration?

    init(initial: Duration, maximum: Duration) {
        precondition(initial > .zero && maximum >= initial, "backoff needs 0 < initial <= maximum")
        self.initial = initial
        self.maximum = maximum
    }

    /// The wait before the next attempt after one more failure.
    mutating func next() -> Duration {
        var generator = SystemRandomNumberGenerator()
        return next(using: &generator)
    }

    mutating func next(using generator: inout some RandomNumberGenerator) -> Duration {
        let ceiling = self.ceiling.map { min($0 * 2, maximum) } ?? initial
        self.ceiling = ceiling
        return ceiling / 2 + ceiling / 2 * Double.random(in: 0...1, using: &generator)
    }

    /// After a success: the next failure waits about `initial` again.
    mutating func reset() {
        ceiling = nil
    }
}
