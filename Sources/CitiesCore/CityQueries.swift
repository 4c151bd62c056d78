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

/// `ordering=name`, `-event_count`, …; ties are broken by id, ascending. NULL populations sort last
/// ascending and first descending, as PostgreSQL orders them.
public struct CityOrdering: Sendable, Hashable {
    public enum Field: String, Sendable, CaseIterable {
        case name
        case eventCount = "event_count"
        case population
        case createdAt = "created_at"
    }

    public var field: Field
    public var descending: Bool

    public init(_ field: Field, descending: Bool = false) {
        self.field = field
        self.descending = descending
    }

    /// Parses DRF's `ordering` parameter value; nil when it names no orderable field.
    public init?(parameter: String) {
        let descending = parameter.hasPrefix("-")
        guard let field = Field(rawValue: descending ? String(parameter.dropFirst()) : parameter) else { return nil }
        self.init(field, descending: descending)
    }

    public static var parameterValues: [String] { Field.allCases.flatMap { [$0.rawValue, "-" + $0.rawValue] } }
}

extension CityListQuery {
    /// ``search`` split into folded terms; none when there is nothing to search for.
    public var searchTerms: [String] { search.map(SearchText.terms) ?? [] }

    /// This query's page of `cities`: filtered, ordered and cut as PostgreSQL does.
    public func page(of cities: some Sequence<CityWithEventCount>) -> CityPage {
        let terms = searchTerms
        return page(ofMatching: cities.filter { row in
            matchesFilters(row.city) && (terms.isEmpty || terms.allSatisfy(row.city.searchDocument.contains))
        }, inNameOrder: false)
    }

    /// The filters other than `search`.
    public func matchesFilters(_ city: City) -> Bool {
        (countryCode == nil || city.countryCode == countryCode) && (isActive == nil || city.isActive == isActive)
    }

    /// This query's page of the cities that match it: ordered (unless they come in name order and
    /// that is the ordering asked for) and cut.
    public func page(ofMatching matching: [CityWithEventCount], inNameOrder: Bool) -> CityPage {
        let rows = inNameOrder && ordering == CityOrdering(.name) ? matching : matching.sorted { ordering.precedes($0, $1) }
        let start = (page - 1) * pageSize
        return CityPage(count: rows.count, results: start < rows.count ? Array(rows[start..<min(rows.count, start + pageSize)]) : [])
    }
}

extension CityOrdering {
    /// The order PostgreSQL gives: `COLLATE "C"` names (code point order), NULLs last ascending
    /// and first descending, ties by id ascending.
    public func precedes(_ left: CityWithEventCount, _ right: CityWithEventCount) -> Bool {
        func compare<T: Comparable>(_ a: T?, _ b: T?) -> Bool? {
            switch (a, b) {
            case let (a?, b?): return a == b ? nil : (a < b) != descending
            case (nil, nil): return nil
            case (nil, _): return descending
            case (_, nil): return !descending
            }
        }
        let decided: Bool?
        switch field {
        case .name:
            decided = left.city.name == right.city.name ? nil
                : left.city.name.utf8.lexicographicallyPrecedes(right.city.name.utf8) != descending
        case .eventCount: decided = compare(left.eventCount, right.eventCount)
        case .population: decided = compare(left.city.population, right.city.population)
        case .createdAt: decided = compare(left.city.createdAt, right.city.createdAt)
        }
        return decided ?? (left.city.id < right.city.id)
    }

    /// Name order for plain cities (the order of `P/event-counts/`).
    public static func byName(_ left: City, _ right: City) -> Bool {
        CityOrdering(.name).precedes(CityWithEventCount(city: left, eventCount: 0), CityWithEventCount(city: right, eventCount: 0))
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
/// scheduled events overlapping `[from, to)`; optionally only some categories.
public struct EventCountFilter: Sendable, Hashable {
    public var window: DateInterval?
    /// Empty means every category.
    public var categories: Set<String>

    public init(window: DateInterval? = nil, categories: Set<String> = []) {
        self.window = window
        self.categories = categories
    }

    public func counts(_ event: Event, now: Date) -> Bool {
        guard categories.isEmpty || categories.contains(event.category) else { return false }
        if let window { return event.counts(from: window.start, to: window.end) }
        return event.status == .scheduled && event.endsAt > now
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
    public func bucketStart(_ date: Date) -> Date {
        start(ofBucket: bucketNumber(date))
    }

    public func next(after bucketStart: Date) -> Date {
        start(ofBucket: bucketNumber(bucketStart) + 1)
    }

    /// How many buckets ``buckets(from:to:)`` returns, computed without building them.
    public func bucketCount(from: Date, to: Date) -> Int64 {
        guard to > from else { return 0 }
        let last = bucketNumber(to)
        return last - bucketNumber(from) + (start(ofBucket: last) == to ? 0 : 1)
    }

    /// The buckets covering `[from, to)`, clipped to it: the first starts at `from`, the last ends at
    /// `to`. Check ``bucketCount(from:to:)`` first: this builds every one.
    public func buckets(from: Date, to: Date) -> [DateInterval] {
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
