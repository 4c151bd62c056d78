import CoreMetrics

/// What a ``PGPool`` and its connections report through swift-metrics, named for Prometheus:
/// the pool's connections (open, in use, callers waiting), acquire timeouts, failures by kind
/// (server errors by SQLSTATE class), each statement's duration by ``statementName(of:)``, and
/// transactions run again after a concurrency conflict, by SQLSTATE.
final class PGPoolMetrics: Sendable {
    private let factory: any MetricsFactory
    private let open: Gauge
    private let inUse: Gauge
    private let waiting: Gauge
    private let acquireTimeouts: Counter

    init(factory: any MetricsFactory, maxConnections: Int) {
        self.factory = factory
        open = Gauge(label: "citiespg_pool_connections", factory: factory)
        inUse = Gauge(label: "citiespg_pool_connections_in_use", factory: factory)
        waiting = Gauge(label: "citiespg_pool_waiting_callers", factory: factory)
        acquireTimeouts = Counter(label: "citiespg_pool_acquire_timeouts_total", factory: factory)
        Gauge(label: "citiespg_pool_max_connections", factory: factory).record(maxConnections)
        for gauge in [open, inUse, waiting] { gauge.record(0) }
    }

    /// Called with the pool's state locked, so the gauges move in the order the state does.
    func poolChanged(open: Int, idle: Int, waiting: Int) {
        self.open.record(open)
        inUse.record(open - idle)
        self.waiting.record(waiting)
    }

    func acquireTimedOut() {
        acquireTimeouts.increment()
    }

    /// Counts a failure of a statement or a connection attempt: `citiespg_errors_total` by kind
    /// (``PGError/Code``) and, for the server's errors, SQLSTATE class.
    func failed(_ error: PGError) {
        let sqlStateClass = error.sqlState.map { String($0.prefix(2)) } ?? ""
        Counter(label: "citiespg_errors_total", dimensions: [("kind", "\(error.code)"), ("sqlstate_class", sqlStateClass)], factory: factory).increment()
    }

    func transactionRetried(sqlState: String) {
        Counter(label: "citiespg_transaction_retries_total", dimensions: [("sqlstate", sqlState)], factory: factory).increment()
    }

    /// The duration histogram of statements named `name`. A connection asks once per statement it
    /// prepares and keeps it; the registry hands every connection the same histogram.
    func statementTimer(_ name: String) -> Timer {
        Timer(label: "citiespg_statement_duration_seconds", dimensions: [("statement", name)], factory: factory)
    }

    /// A statement's name in metrics, from its text: the command and the first table it reads or
    /// writes (`select cities`, `insert event_count_changes`). Statements are the program's own
    /// text, their values bound apart, so the names are few.
    static func statementName(of sql: String) -> String {
        let words = sql.lowercased().split { !($0.isLetter || $0.isNumber || $0 == "_") }.map(String.init)
        func at(_ index: Int) -> String? { index < words.count ? words[index] : nil }
        for (index, word) in words.enumerated() {
            switch word {
            case "insert" where at(index + 1) == "into", "delete" where at(index + 1) == "from":
                if let table = at(index + 2) { return "\(word) \(table)" }
            case "update" where index == 0 || !["for", "do"].contains(words[index - 1]):
                if let table = at(index + 1) { return "update \(table)" }
            default:
                continue
            }
        }
        guard let command = words.first else { return "empty" }
        return words.firstIndex(of: "from").flatMap { at($0 + 1) }.map { "\(command) \($0)" } ?? command
    }
}
