import Foundation

/// UTC calendar days as ``event_day_counts`` keys them.
enum UTCDay {
    static let seconds: TimeInterval = 86_400

    /// Days since 1970-01-01 of the day holding `date`.
    static func number(of date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 / seconds).rounded(.down))
    }

    /// The midnight (UTC) at or before `date`.
    static func start(of date: Date) -> Date {
        Date(timeIntervalSince1970: Double(number(of: date)) * seconds)
    }
}

/// One city's day counts as running totals, so each bucket boundary costs a binary search.
struct DayTotals {
    /// Day numbers, ascending, and the totals of all days up to and including each.
    private let days: [Int64]
    private let cumulativeStarting: [Int]
    private let cumulativeEnding: [Int]

    init(rows: [(day: Int64, starting: Int, ending: Int)]) {
        days = rows.map(\.day)
        var starting = 0
        var ending = 0
        cumulativeStarting = rows.map { starting += $0.starting; return starting }
        cumulativeEnding = rows.map { ending += $0.ending; return ending }
    }

    /// Events starting on days before the one holding `date`.
    func startingBefore(midnightOf date: Date) -> Int { total(cumulativeStarting, before: UTCDay.number(of: date)) }

    /// Events ending on or before the midnight at or before `date` (their `ending` day is earlier).
    func endingBefore(midnightOf date: Date) -> Int { total(cumulativeEnding, before: UTCDay.number(of: date)) }

    private func total(_ cumulative: [Int], before day: Int64) -> Int {
        var low = 0
        var high = days.count
        while low < high {
            let middle = (low + high) / 2
            if days[middle] < day { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? 0 : cumulative[low - 1]
    }
}
