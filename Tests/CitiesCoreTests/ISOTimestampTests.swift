@testable import CitiesCore
import Foundation
import Testing

@Suite struct ISOTimestampTests {
    /// The civil arithmetic agrees with Foundation's calendar on random seconds from 1583 to 9999
    /// (Foundation's calendar is Julian before the Gregorian reform; PostgreSQL and Python are
    /// proleptic Gregorian).
    @Test func formatsLikeFoundationsCalendar() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let date = Date(timeIntervalSince1970: Double(Int64.random(in: -12_212_553_600...253_402_300_799, using: &generator)))
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
            let expected = String(format: "%04d-%02d-%02dT%02d:%02d:%02d.000000Z", parts.year!, parts.month!, parts.day!, parts.hour!, parts.minute!, parts.second!)
            #expect(ISOTimestamp.string(from: date) == expected)
            #expect(ISOTimestamp.date(from: expected) == date)
        }
    }

    /// Every microsecond survives text → Date → text in the years a `Date` holds microseconds.
    @Test func microsecondsRoundTrip() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let text = String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", Int.random(in: 1900...2100, using: &generator), Int.random(in: 1...12, using: &generator),
                              Int.random(in: 1...28, using: &generator), Int.random(in: 0...23, using: &generator), Int.random(in: 0...59, using: &generator),
                              Int.random(in: 0...59, using: &generator), Int.random(in: 0...999_999, using: &generator))
            #expect(ISOTimestamp.string(from: try #require(ISOTimestamp.date(from: text))) == text)
        }
    }

    @Test func acceptsOffsetsAndFractions() {
        let instant = ISOTimestamp.date(from: "2026-11-24T18:30:00Z")
        #expect(instant == Date(timeIntervalSince1970: 1_795_545_000))
        #expect(ISOTimestamp.date(from: "2026-11-24T19:30:00+01:00") == instant)
        #expect(ISOTimestamp.date(from: "2026-11-24T13:00:00-0530") == instant)
        #expect(ISOTimestamp.string(from: ISOTimestamp.date(from: "2026-11-24T18:30:00.1234567Z")!) == "2026-11-24T18:30:00.123456Z")
        #expect(ISOTimestamp.string(from: ISOTimestamp.date(from: "2024-02-29T00:00:00.5Z")!) == "2024-02-29T00:00:00.500000Z")
    }

    @Test(arguments: ["yesterday", "2026-11-24", "2026-11-24T18:30:00", "2026-13-01T00:00:00Z", "2025-02-29T00:00:00Z",
                      "2026-11-24T24:00:00Z", "2026-11-24T18:60:00Z", "2026-11-24T18:30:00.Z", "2026-11-24T18:30:00Z ",
                      "2026-11-24T18:30:00+25:00", "26-11-24T18:30:00Z", "２０２６-11-24T18:30:00Z"])
    func rejects(_ text: String) {
        #expect(ISOTimestamp.date(from: text) == nil)
    }

    @Test func aDateAloneIsItsMidnightUTCWhereAllowed() {
        #expect(ISOTimestamp.date(fromDateOrDateTime: "2026-03-01") == Date(timeIntervalSince1970: 1_772_323_200))
        #expect(ISOTimestamp.date(fromDateOrDateTime: "2026-03-01T00:00:00Z") == ISOTimestamp.date(fromDateOrDateTime: "2026-03-01"))
        #expect(ISOTimestamp.date(fromDateOrDateTime: "0001-01-01").map(ISOTimestamp.string(from:)) == "0001-01-01T00:00:00.000000Z")
        #expect(ISOTimestamp.date(fromDateOrDateTime: "9999-12-31").map(ISOTimestamp.string(from:)) == "9999-12-31T00:00:00.000000Z")
        #expect(ISOTimestamp.date(from: "2026-03-01") == nil, "bodies keep date-times only")
        for text in ["2026-02-29", "2026-3-01", "2026-03-01T", "2026-03-01Z", "2026-03-01 ", "0000-01-01", "20260301"] {
            #expect(ISOTimestamp.date(fromDateOrDateTime: text) == nil, "\(text)")
        }
    }

    @Test func onlyYearsOneToNineThousandNineHundredNinetyNineInUTC() throws {
        #expect(throws: ISOTimestamp.ParseError.format) { try ISOTimestamp.parse("0000-06-01T00:00:00Z") }
        #expect(throws: ISOTimestamp.ParseError.outOfRange) { try ISOTimestamp.parse("0001-01-01T00:30:00+01:00") }
        #expect(throws: ISOTimestamp.ParseError.outOfRange) { try ISOTimestamp.parse("9999-12-31T23:30:00-01:00") }
        #expect(ISOTimestamp.string(from: try ISOTimestamp.parse("0001-01-01T00:00:00Z")) == "0001-01-01T00:00:00.000000Z")
        #expect(ISOTimestamp.string(from: try ISOTimestamp.parse("9999-12-31T23:59:59Z")) == "9999-12-31T23:59:59.000000Z")
    }
}
