import Foundation

/// PostgreSQL's binary timestamps count microseconds from 2000-01-01 00:00:00 UTC.
enum PGTimestamp {
    static let epochOffsetMicroseconds: Int64 = 946_684_800 * 1_000_000

    static func microseconds(since1970 date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }

    /// `date` at the server's precision, so comparisons in Swift agree with the server's.
    static func rounded(_ date: Date) -> Date {
        self.date(microsecondsSince2000: microseconds(since1970: date) - epochOffsetMicroseconds)
    }

    static func date(microsecondsSince2000 value: Int64) -> Date {
        let sinceEpoch = value + epochOffsetMicroseconds
        return Date(timeIntervalSince1970: Double(sinceEpoch / 1_000_000) + Double(sinceEpoch % 1_000_000) / 1_000_000)
    }

    /// `2026-11-24 18:43:27.123456+00`, the form the server parses for timestamptz in any DateStyle.
    static func isoString(_ date: Date) -> String {
        isoString(microsecondsSince1970: microseconds(since1970: date))
    }

    static func isoString(microsecondsSince1970 value: Int64) -> String {
        var seconds = time_t(value.dividedRoundingDown(by: 1_000_000))
        let micros = value - Int64(seconds) * 1_000_000
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let year = Int(parts.tm_year) + 1900
        let yearText = year > 0 ? pad(year, 4) : pad(1 - year, 4)
        return "\(yearText)-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2)) "
            + "\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2))."
            + "\(pad(Int(micros), 6))+00" + (year > 0 ? "" : " BC")
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

extension Int64 {
    func dividedRoundingDown(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
