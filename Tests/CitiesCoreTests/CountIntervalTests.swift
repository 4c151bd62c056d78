import CitiesCore
import Foundation
import Testing

@Suite struct CountIntervalTests {
    private func date(_ text: String) throws -> Date { try #require(ISOTimestamp.date(from: text)) }

    @Test(arguments: CountInterval.allCases)
    func bucketCountIsTheNumberOfBucketsBuilt(_ interval: CountInterval) throws {
        var generator = SystemRandomNumberGenerator()
        let earliest = try date("1500-01-01T00:00:00Z").timeIntervalSince1970
        for _ in 0..<300 {
            let from = earliest + Double.random(in: 0...(200 * 365 * 86_400), using: &generator).rounded()
            let span = [3_600.0, 86_400, 7 * 86_400, 40 * 86_400, 400 * 86_400].randomElement(using: &generator)! * Double.random(in: 0.01...3, using: &generator)
            let start = Date(timeIntervalSince1970: from)
            let end = Date(timeIntervalSince1970: (from + span).rounded())
            let buckets = interval.buckets(from: start, to: end)
            #expect(Int64(buckets.count) == interval.bucketCount(from: start, to: end))
            #expect(buckets.first?.start == start && buckets.last?.end == end)
            for (earlier, later) in zip(buckets, buckets.dropFirst()) { #expect(earlier.end == later.start) }
        }
    }

    @Test func boundariesFallOnMidnightsMondaysAndFirstDays() throws {
        let from = try date("2026-11-25T15:00:00Z")
        let to = try date("2027-01-06T00:00:00Z")
        #expect(CountInterval.day.bucketCount(from: from, to: to) == 42)
        #expect(CountInterval.week.buckets(from: from, to: to).map { ISOTimestamp.string(from: $0.start) }.prefix(3)
            == ["2026-11-25T15:00:00.000000Z", "2026-11-30T00:00:00.000000Z", "2026-12-07T00:00:00.000000Z"])
        #expect(CountInterval.month.buckets(from: from, to: to).map { ISOTimestamp.string(from: $0.end) }
            == ["2026-12-01T00:00:00.000000Z", "2027-01-01T00:00:00.000000Z", "2027-01-06T00:00:00.000000Z"])
        #expect(CountInterval.month.bucketCount(from: from, to: try date("2027-01-01T00:00:00Z")) == 2)
    }

    /// Before 1582 Foundation's Gregorian calendar turns Julian; PostgreSQL and Python do not.
    @Test func monthsBefore1582AreProlepticGregorian() throws {
        let buckets = CountInterval.month.buckets(from: try date("1500-02-10T00:00:00Z"), to: try date("1500-04-01T00:00:00Z"))
        #expect(buckets.map { ISOTimestamp.string(from: $0.start) } == ["1500-02-10T00:00:00.000000Z", "1500-03-01T00:00:00.000000Z"])
        #expect(CountInterval.week.bucketStart(try date("0001-01-03T12:00:00Z")) == (try date("0001-01-01T00:00:00Z")))
    }

    @Test func theWidestWindowIsCountedNotBuilt() throws {
        let from = try date("0001-01-01T00:00:00Z")
        let to = try date("9999-12-31T00:00:00Z")
        #expect(CountInterval.day.bucketCount(from: from, to: to) == 3_652_058)
        #expect(CountInterval.week.bucketCount(from: from, to: to) == 521_723)
        #expect(CountInterval.month.bucketCount(from: from, to: to) == 119_988)
    }
}
