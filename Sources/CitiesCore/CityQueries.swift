import Foundation

/// What `GET P/` may ask for.
public struct CityListQuery: Sendable, Hashable {
    public var page: Int
    public var pageSize: Int
    public var ordering: CityOrdering
    /// DRF `SearchFilter` terms, each to be found in one of the city's names (``SearchText``).
    public var search: String?
    public var countryCode: String?
    public var isActive: Bool?

    public init(page: Int = 1, pageSize: Int = 50, ordering: CityOrdering = CityOrdering(.name), search: String? = nil, countryCode: String? = nil, isActive: Bool? = nil) {
        self.page = page
        self.pageSize = pageSize
        self.ordering = ordering
        self.search = search
        self.countryCode = countryCode
        self.isActive = isActive
    }
}

/// DRF's `ordering`: one field or several (`country_code,-population`), each ascending or with `-`
/// descending; ties after the last are broken by id, ascending. The order is PostgreSQL's: text by
/// code point (`COLLATE "C"`), NULL populations last ascending and first descending.
public struct CityOrdering: Sendable, Hashable {
    /// Every public field of a listed city.
    public enum Field: String, Sendable, CaseIterable {
        case id, slug, name
        case countryCode = "country_code"
        case population
        case createdAt = "created_at"
        case eventCount = "event_count"
    }

    public struct Term: Sendable, Hashable {
        public var field: Field
        public var descending: Bool

        public init(_ field: Field, descending: Bool = false) {
            self.field = field
            self.descending = descending
        }

        /// `name` or `-name`; nil for any other text.
        init?(parameter: String) {
            descending = parameter.hasPrefix("-")
            guard let field = Field(rawValue: descending ? String(parameter.dropFirst()) : parameter) else { return nil }
            self.field = field
        }
    }

    /// At least one, each field once (a repeated field cannot change the order).
    public private(set) var terms: [Term]

    public init(_ field: Field, descending: Bool = false) {
        terms = [Term(field, descending: descending)]
    }

    /// nil without terms.
    public init?(_ terms: [Term]) {
        var seen: Set<Field> = []
        self.terms = terms.filter { seen.insert($0.field).inserted }
        if self.terms.isEmpty { return nil }
    }

    /// DRF's `OrderingFilter` reading of the parameter: comma-separated terms, blanks around each
    /// ignored, unknown ones dropped; nil when none is left (the view's default ordering applies).
    public init?(parameter: String) {
        self.init(parameter.split(separator: ",").compactMap { Term(parameter: $0.trimmingCharacters(in: .whitespacesAndNewlines)) })
    }

    /// The terms one `ordering` value may list.
    public static var parameterValues: [String] { Field.allCases.flatMap { [$0.rawValue, "-" + $0.rawValue] } }
}

extension CityListQuery {
    /// ``search`` split into folded terms; none when there is nothing to search for.
    package var searchTerms: [String] { search.map(SearchText.terms) ?? [] }

    /// This query's page of `cities`: filtered, ordered and cut as PostgreSQL does.
    package func page(of cities: some Sequence<CityWithEventCount>) -> CityPage {
        let terms = searchTerms
        return page(ofMatching: cities.filter { row in
            matchesFilters(row.city) && (terms.isEmpty || terms.allSatisfy(row.city.searchDocument.contains))
        })
    }

    /// The filters other than `search`.
    package func matchesFilters(_ city: City) -> Bool {
        (countryCode == nil || city.countryCode == countryCode) && (isActive == nil || city.isActive == isActive)
    }

    /// This query's page of the cities that match it: ordered and cut.
    package func page(ofMatching matching: [CityWithEventCount]) -> CityPage {
        let rows = matching.sorted { ordering.precedes($0, $1) }
        let wanted = pageRange.clamped(to: rows.indices)
        return CityPage(count: rows.count, results: Array(rows[wanted]))
    }

    /// The positions of this query's page among all matching rows.
    package var pageRange: Range<Int> { (page - 1) * pageSize ..< page * pageSize }
}

extension CityOrdering {
    /// The order PostgreSQL gives (`PostgresCitiesStore.orderBy`): term by term, then id.
    package func precedes(_ left: CityWithEventCount, _ right: CityWithEventCount) -> Bool {
        for term in terms {
            switch term.compare(left, right) {
            case .orderedAscending: return true
            case .orderedDescending: return false
            case .orderedSame: continue
            }
        }
        return left.city.id < right.city.id
    }

    /// Name order for plain cities (the order of `P/event-counts/`).
    package static func byName(_ left: City, _ right: City) -> Bool {
        CityOrdering(.name).precedes(CityWithEventCount(city: left, eventCount: 0), CityWithEventCount(city: right, eventCount: 0))
    }
}

extension CityOrdering.Term {
    /// PostgreSQL's comparison: NULL above every value, so last ascending and first descending.
    /// Text compares by UTF-8 bytes, which is code point order and `COLLATE "C"`; Swift's `<` and
    /// `==` on strings would equate canonically equivalent names that PostgreSQL tells apart.
    func compare(_ left: CityWithEventCount, _ right: CityWithEventCount) -> ComparisonResult {
        let ascending: ComparisonResult
        switch field {
        case .id: ascending = Self.compare(left.city.id, right.city.id)
        case .slug: ascending = Self.compare(left.city.slug.utf8, right.city.slug.utf8)
        case .name: ascending = Self.compare(left.city.name.utf8, right.city.name.utf8)
        case .countryCode: ascending = Self.compare(left.city.countryCode.utf8, right.city.countryCode.utf8)
        case .population: ascending = Self.compare(left.city.population, right.city.population)
        case .createdAt: ascending = Self.compare(left.city.createdAt, right.city.createdAt)
        case .eventCount: ascending = Self.compare(left.eventCount, right.eventCount)
        }
        guard descending else { return ascending }
        switch ascending {
        case .orderedAscending: return .orderedDescending
        case .orderedDescending: return .orderedAscending
        case .orderedSame: return .orderedSame
        }
    }

    private static func compare<Value: Comparable>(_ left: Value?, _ right: Value?) -> ComparisonResult {
        switch (left, right) {
        case let (left?, right?): return left < right ? .orderedAscending : left == right ? .orderedSame : .orderedDescending
        case (nil, nil): return .orderedSame
        case (nil, _?): return .orderedDescending
        case (_?, nil): return .orderedAscending
        }
    }

    private static func compare(_ left: String.UTF8View, _ right: String.UTF8View) -> ComparisonResult {
        var rightBytes = right.makeIterator()
        for byte in left {
            guard let other = rightBytes.next() else { return .orderedDescending }
            if byte != other { return byte < other ? .orderedAscending : .orderedDescending }
        }
        return rightBytes.next() == nil ? .orderedSame : .orderedAscending
    }
}

public struct CityWithEventCount: Sendable, Hashable {
    public var city: City
    public var eventCount: Int

    public init(city: City, eventCount: Int) {
        self.city = city
        self.eventCount = eventCount
    }
}

public struct CityPage: Sendable, Hashable {
    /// Matching cities in all pages.
    public var count: Int
    public var results: [CityWithEventCount]

    public init(count: Int, results: [CityWithEventCount]) {
        self.count = count
        self.results = results
    }
}

/// Which events count: by default scheduled events not over yet (`ends_at > now`); with a window,
/// scheduled events overlapping it; optionally only some categories.
public struct EventCountFilter: Sendable, Hashable {
    public var window: CountWindow?
    /// Empty means every category.
    public var categories: Set<String>

    public init(window: CountWindow? = nil, categories: Set<String> = []) {
        self.window = window
        self.categories = categories
    }

    package func counts(_ event: Event, now: Date) -> Bool {
        guard categories.isEmpty || categories.contains(event.category) else { return false }
        return event.counts(from: window?.from ?? now, to: window?.to)
    }
}

/// `[from, to)`, either end open: an event counts when it is scheduled, starts before `to` and ends
/// after `from`. A missing `from` is now, as without a window (`to` alone: the events not over yet
/// that start before `to`); a missing `to` bounds nothing (`from` alone: the events ending after it).
public struct CountWindow: Sendable, Hashable {
    public var from: Date?
    public var to: Date?

    public init(from: Date? = nil, to: Date? = nil) {
        self.from = from
        self.to = to
    }

    public init(_ interval: DateInterval) {
        self.init(from: interval.start, to: interval.end)
    }
}

/// One row of `P/event-counts/`: every active city, not paginated.
public struct CityEventCount: Sendable, Hashable, Codable {
    public var id: Int64
    public var slug: String
    public var name: String
    public var eventCount: Int

    public init(id: Int64, slug: String, name: String, eventCount: Int) {
        self.id = id
        self.slug = slug
        self.name = name
        self.eventCount = eventCount
    }

    enum CodingKeys: String, CodingKey {
        case id, slug, name
        case eventCount = "event_count"
    }
}

/// Histogram buckets for `P/{id}/event-counts/`, in UTC on the proleptic Gregorian calendar (as
/// PostgreSQL and Python count); weeks start on Monday.
///
/// Buckets are numbered (days since 1970-01-01, weeks since Monday 1969-12-29, months since year
/// 0), so how many a window holds is arithmetic: it is known before any bucket is built.
public enum CountInterval: String, Sendable, CaseIterable {
    case day, week, month

    /// The start of the bucket holding `date`.
    package func bucketStart(_ date: Date) -> Date {
        start(ofBucket: bucketNumber(date))
    }

    package func next(after bucketStart: Date) -> Date {
        start(ofBucket: bucketNumber(bucketStart) + 1)
    }

    /// How many buckets ``buckets(from:to:)`` returns, computed without building them.
    package func bucketCount(from: Date, to: Date) -> Int64 {
        guard to > from else { return 0 }
        let last = bucketNumber(to)
        return last - bucketNumber(from) + (start(ofBucket: last) == to ? 0 : 1)
    }

    /// The buckets covering `[from, to)`, clipped to it: the first starts at `from`, the last ends at
    /// `to`. Check ``bucketCount(from:to:)`` first: this builds every one.
    package func buckets(from: Date, to: Date) -> [DateInterval] {
        var buckets: [DateInterval] = []
        buckets.reserveCapacity(Int(clamping: bucketCount(from: from, to: to)))
        var number = bucketNumber(from)
        var start = from
        while start < to {
            number += 1
            let end = min(self.start(ofBucket: number), to)
            buckets.append(DateInterval(start: start, end: end))
            start = end
        }
        return buckets
    }

    private func bucketNumber(_ date: Date) -> Int64 {
        let day = Int64((date.timeIntervalSince1970 / 86_400).rounded(.down))
        switch self {
        case .day: return day
        case .week: return (day + 3).floorDivided(by: 7).quotient
        case .month:
            let civil = ISOTimestamp.civil(fromDays: day)
            return civil.year * 12 + civil.month - 1
        }
    }

    private func start(ofBucket number: Int64) -> Date {
        let day: Int64
        switch self {
        case .day: day = number
        case .week: day = number * 7 - 3
        case .month:
            let (year, month) = number.floorDivided(by: 12)
            day = ISOTimestamp.days(fromYear: year, month: month + 1, day: 1)
        }
        return Date(timeIntervalSince1970: Double(day) * 86_400)
    }
}

public struct CountBucket: Sendable, Hashable {
    public var start: Date
    public var end: Date
    public var count: Int

    public init(start: Date, end: Date, count: Int) {
        self.start = start
        self.end = end
        self.count = count
    }
}

/// What a bulk upsert changed.
public struct UpsertSummary: Sendable, Hashable, Codable {
    public var created: Int
    public var updated: Int
    public var unchanged: Int

    public init(created: Int = 0, updated: Int = 0, unchanged: Int = 0) {
        self.created = created
        self.updated = updated
        self.unchanged = unchanged
    }
}
