import Foundation

/// Timestamps as the API shows them: ISO 8601 in UTC with microseconds and `Z`
/// (`2026-11-24T19:36:47.123456Z`), as DRF renders `DateTimeField` with `USE_TZ` and UTC.
///
/// Formatting and parsing are plain civil-calendar arithmetic (proleptic Gregorian, UTC): they run
/// for every timestamp of every rendered list and ingested event, where Foundation's calendar and
/// ISO 8601 format style cost microseconds each.
package enum ISOTimestamp {
    package static func string(from date: Date) -> String {
        // From the reference date `Date` keeps, to add no rounding of our own.
        let microseconds = Int64((date.timeIntervalSinceReferenceDate * 1_000_000).rounded()) + referenceDateMicroseconds
        let (days, microsecondOfDay) = microseconds.floorDivided(by: 86_400_000_000)
        let (year, month, day) = civil(fromDays: days)
        let secondOfDay = microsecondOfDay / 1_000_000
        // 27 bytes for years 1–9999, what the API holds; a year beyond takes more digits (or a sign).
        return String(unsafeUninitializedCapacity: 40) { text in
            var end = 0
            func append(_ value: Int64, width: Int) {
                var rest = value.magnitude
                for position in stride(from: end + width - 1, through: end, by: -1) {
                    text[position] = UInt8(ascii: "0") + UInt8(rest % 10)
                    rest /= 10
                }
                end += width
            }
            func append(_ character: Unicode.Scalar) {
                text[end] = UInt8(ascii: character)
                end += 1
            }
            if year < 0 { append("-") }
            append(year, width: year.magnitude < 10_000 ? 4 : String(year.magnitude).utf8.count)
            append("-")
            append(month, width: 2)
            append("-")
            append(day, width: 2)
            append("T")
            append(secondOfDay / 3600, width: 2)
            append(":")
            append(secondOfDay / 60 % 60, width: 2)
            append(":")
            append(secondOfDay % 60, width: 2)
            append(".")
            append(microsecondOfDay % 1_000_000, width: 6)
            append("Z")
            return end
        }
    }

    package enum ParseError: Error, Sendable {
        /// Not an RFC 3339 date-time (year 0000 included, which Python has not).
        case format
        /// A valid date-time whose UTC instant is outside years 1–9999, which Python and Django
        /// cannot hold.
        case outOfRange
    }

    /// 0001-01-01T00:00:00Z up to, not including, 10000-01-01T00:00:00Z, in seconds since 1970.
    static let supportedSeconds: Range<Int64> = -62_135_596_800..<253_402_300_800

    /// Parses RFC 3339 date-times: `YYYY-MM-DDTHH:MM:SS`, optional fraction (beyond microseconds
    /// truncated, as Django does), then `Z` or an offset `±HH:MM` (or `±HHMM`).
    package static func date(from text: String) -> Date? {
        try? parse(text)
    }

    /// ``date(from:)``, or a calendar date alone (`2026-03-01`) as its midnight UTC.
    package static func date(fromDateOrDateTime text: String) -> Date? {
        try? parse(text, allowingDateOnly: true)
    }

    /// ``date(from:)`` (with `allowingDateOnly`, ``date(fromDateOrDateTime:)``), saying why a text is
    /// not accepted.
    package static func parse(_ text: String, allowingDateOnly: Bool = false) throws(ParseError) -> Date {
        var reader = DigitReader(Array(text.utf8))
        guard let year = reader.number(4), year >= 1, reader.skip("-"), let month = reader.number(2), reader.skip("-"), let day = reader.number(2),
              (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day)
        else { throw .format }
        if allowingDateOnly && reader.atEnd { return date(secondsSince1970: days(fromYear: year, month: month, day: day) * 86_400) }
        guard reader.skip("T") || reader.skip("t"), let hour = reader.number(2), reader.skip(":"), let minute = reader.number(2),
              reader.skip(":"), let second = reader.number(2), hour < 24, minute < 60, second < 60
        else { throw .format }
        var microsecond: Int64 = 0
        if reader.skip(".") || reader.skip(",") {
            var digits = 0
            while let digit = reader.digit() {
                if digits < 6 { microsecond = microsecond * 10 + digit }
                digits += 1
            }
            guard digits > 0 else { throw .format }
            for _ in digits..<max(digits, 6) { microsecond *= 10 }
        }
        var offsetSeconds: Int64 = 0
        if reader.skip("Z") || reader.skip("z") {
        } else if let sign: Int64 = reader.skip("+") ? 1 : reader.skip("-") ? -1 : nil {
            guard let hours = reader.number(2) else { throw .format }
            _ = reader.skip(":")
            guard let minutes = reader.number(2), hours < 24, minutes < 60 else { throw .format }
            offsetSeconds = sign * (hours * 3600 + minutes * 60)
        } else {
            throw .format
        }
        guard reader.atEnd else { throw .format }
        let seconds = days(fromYear: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        // Checked on whole seconds: near year 9999 a `Date` cannot tell microseconds apart.
        guard supportedSeconds.contains(seconds) else { throw .outOfRange }
        return date(secondsSince1970: seconds, microsecond: microsecond)
    }

    private static func date(secondsSince1970 seconds: Int64, microsecond: Int64 = 0) -> Date {
        Date(timeIntervalSinceReferenceDate: Double(seconds - referenceDateMicroseconds / 1_000_000) + Double(microsecond) / 1_000_000)
    }

    /// 2001-01-01T00:00:00Z, `Date`'s reference date, in microseconds since 1970.
    static let referenceDateMicroseconds: Int64 = 978_307_200_000_000


    /// Howard Hinnant's `days_from_civil`: days since 1970-01-01.
    static func days(fromYear year: Int64, month: Int64, day: Int64) -> Int64 {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = shiftedYear.floorDivided(by: 400).quotient
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// Howard Hinnant's `civil_from_days`.
    static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let era = shifted.floorDivided(by: 146_097).quotient
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

private struct DigitReader {
    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { index == bytes.count }

    mutating func skip(_ character: Unicode.Scalar) -> Bool {
        guard index < bytes.count, bytes[index] == UInt8(character.value) else { return false }
        index += 1
        return true
    }

    mutating func digit() -> Int64? {
        guard index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) else { return nil }
        defer { index += 1 }
        return Int64(bytes[index] - UInt8(ascii: "0"))
    }

    /// Exactly `count` digits.
    mutating func number(_ count: Int) -> Int64? {
        var value: Int64 = 0
        for _ in 0..<count {
            guard let digit = digit() else { return nil }
            value = value * 10 + digit
        }
        return value
    }
}

extension Int64 {
    /// Division rounding toward negative infinity, with a non-negative remainder.
    func floorDivided(by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let quotient = self / divisor - (self % divisor < 0 ? 1 : 0)
        return (quotient, self - quotient * divisor)
    }
}
