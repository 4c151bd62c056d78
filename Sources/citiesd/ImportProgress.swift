import Foundation

/// An import's progress on standard error. On a terminal: one line redrawn in place, with a bar,
/// rows, rate and ETA (when the total is known: a file's size, the cities to write). Otherwise
/// (a log, a pipe): a plain line every few seconds.
final class ImportProgress {
    private let isTerminal: Bool
    private let interval: Duration
    private var phase = ""
    private var started = ContinuousClock.now
    private var lastShown = ContinuousClock.now
    private var calls = 0
    private var showing = false

    init(isTerminal: Bool = isatty(STDERR_FILENO) == 1, plainInterval: Duration = .seconds(5)) {
        self.isTerminal = isTerminal
        interval = isTerminal ? .milliseconds(100) : plainInterval
    }

    /// Starts a phase, e.g. "reading cities15000.txt" or "writing".
    func begin(_ phase: String) {
        finishLine()
        self.phase = phase
        started = .now
        lastShown = started
        calls = 0
    }

    /// `rows` handled so far in this phase; `done` of `total` units (bytes read, rows written)
    /// for the percentage and ETA. Cheap: looks at the clock every so many calls.
    func update(rows: Int, done: Int, total: Int?) {
        calls += 1
        guard calls % 256 == 0 || total == done else { return }
        let now = ContinuousClock.now
        guard now - lastShown >= interval else { return }
        lastShown = now
        show(rows: rows, done: done, total: total, elapsed: now - started)
    }

    /// Ends the phase's line on a terminal, showing where it ended.
    func end(rows: Int, done: Int, total: Int?) {
        guard isTerminal else { return }
        show(rows: rows, done: done, total: total, elapsed: .now - started)
        finishLine()
    }

    private func show(rows: Int, done: Int, total: Int?, elapsed: Duration) {
        let seconds = max(Self.seconds(elapsed), 1e-3)
        let rate = Double(rows) / seconds
        var parts = [phase]
        var fraction: Double?
        if let total, total > 0 {
            fraction = min(Double(done) / Double(total), 1)
        }
        if let fraction, isTerminal {
            let width = 24
            let filled = Int((fraction * Double(width)).rounded(.down))
            parts.append("[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "]")
        }
        if let fraction { parts.append(String(format: "%3.0f%%", fraction * 100)) }
        parts.append("\(Self.grouped(rows)) rows")
        parts.append("\(Self.grouped(Int(rate))) rows/s")
        if let fraction, fraction > 0, fraction < 1 {
            parts.append("ETA " + Self.clock(seconds * (1 - fraction) / fraction))
        } else {
            parts.append(Self.clock(seconds))
        }
        let line = parts.joined(separator: "  ")
        if isTerminal {
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
            showing = true
        } else {
            printError(line)
        }
    }

    private func finishLine() {
        guard showing else { return }
        FileHandle.standardError.write(Data("\n".utf8))
        showing = false
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func grouped(_ number: Int) -> String {
        let digits = String(number.magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return (number < 0 ? "-" : "") + out
    }

    static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        return total >= 3600
            ? String(format: "%d:%02d:%02d", total / 3600, total / 60 % 60, total % 60)
            : String(format: "%d:%02d", total / 60, total % 60)
    }
}
