import Foundation

/// What `GET P/` may ask for.
public struct CityListQuery: Sendable, Hashable {
    /// The page to return (`page`), counting from 1; a page past the last has no results, and the
    /// count is still the total.
    public var page: Int
    /// Cities per page (`page_size`), at least 1. Not capped here; the API allows at most 1,000.
    public var pageSize: Int
    /// The order of the results (`ordering`); ties are broken by id.
    public var ordering: CityOrdering
    /// DRF `SearchFilter` terms (`search`), split on whitespace and commas: a city matches when each
    /// term is in one of its names (name, slug, region, alternate names), ignoring case, accents and
    /// width. `nil` or blank: no search.
    public var search: String?
    /// Only the cities of this country (`country_code`), compared exactly: pass the upper-case code
    /// as stored (`DE`). `nil`: every country.
    public var countryCode: String?
    /// Only active (`true`) or only inactive (`false`) cities (`is_active`); `nil`: both.
    public var isActive: Bool?

    /// Creates a query; the defaults ask for the first 50 cities by name, unfiltered.
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
    /// The fields a list can be ordered by; the raw value is the name `ordering` uses.
    public enum Field: String, Sendable, CaseIterable {
        /// `id`, `slug` or `name`; slugs and names compare by code point (upper case before lower case,
        /// accented letters after `z`).
        case id, slug, name
        /// `country_code`.
        case countryCode = "country_code"
        /// `population`; cities without one come last ascending, first descending.
        case population
        /// `created_at`.
        case createdAt = "created_at"
        /// `event_count`: the count the list shows, scheduled events not over at `now`.
        case eventCount = "event_count"
    }

    /// One field of an ordering and its direction: `population` ascending, `-population` descending.
    public struct Term: Sendable, Hashable {
        /// The field compared.
        public var field: Field
        /// Whether the largest value comes first (the parameter's `-` prefix).
        public var descending: Bool

        /// Creates a term; ascending unless `descending`.
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

    /// An ordering by one field, ascending unless `descending`; ties by id.
    public init(_ field: Field, descending: Bool = false) {
        terms = [Term(field, descending: descending)]
    }

    /// An ordering by `terms` in turn, a field's later terms dropped (they could not change the
    /// order); nil without terms.
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

/// A city with its current event count: a row of a list, or the detail view.
public struct CityWithEventCount: Sendable, Hashable {
    /// The stored city.
    public var city: City
    /// The city's scheduled events not over at the read's `now` (`ends_at > now`), of every
    /// category (`event_count`).
    public var eventCount: Int

    /// Creates a row from its parts.
    public init(city: City, eventCount: Int) {
        self.city = city
        self.eventCount = eventCount
    }
}

/// One page of a city list, as DRF's `PageNumberPagination` counts it (the API adds the links).
public struct CityPage: Sendable, Hashable {
    /// Matching cities in all pages.
    public var count: Int
    /// This page's cities in the query's order; empty past the last page.
    public var results: [CityWithEventCount]

    /// Creates a page from its parts.
    public init(count: Int, results: [CityWithEventCount]) {
        self.count = count
        self.results = results
    }
}

/// Which events count: by default scheduled events not over yet (`ends_at > now`); with a window,
/// scheduled events overlapping it; optionally only some categories.
public struct EventCountFilter: Sendable, Hashable {
    /// Count the events overlapping this window; `nil`: the events not over at `now`.
    public var window: CountWindow?
    /// Empty means every category.
    public var categories: Set<String>

    /// Creates a filter; the defaults count every scheduled event not over yet.
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
    /// Events must end after this; `nil`: the read's `now`.
    public var from: Date?
    /// Events must start before this (it is excluded); `nil`: no bound.
    public var to: Date?

    /// Creates a window; with neither end it counts as no window does.
    public init(from: Date? = nil, to: Date? = nil) {
        self.from = from
        self.to = to
    }

    /// The window `[interval.start, interval.end)`.
    public init(_ interval: DateInterval) {
        self.init(from: interval.start, to: interval.end)
    }
}

/// One row of `P/event-counts/`: every active city, not paginated.
public struct CityEventCount: Sendable, Hashable, Codable {
    /// The city's id (`id`).
    public var id: Int64
    /// The city's slug (`slug`).
    public var slug: String
    /// The city's name (`name`).
    public var name: String
    /// The city's events that count under the ``EventCountFilter`` asked for (`event_count`).
    public var eventCount: Int

    /// Creates a row from its parts.
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

extension CityEventCount: JSONWritable {
    @usableFromInline package func write(to json: inout JSONWriter) {
        json.beginObject()
        json.field("event_count", eventCount)
        json.field("id", id)
        json.field("name", name)
        json.field("slug", slug)
        json.endObject()
    }
}

/// Histogram buckets for `P/{id}/event-counts/`, in UTC on the proleptic Gregorian calendar (as
/// PostgreSQL and Python count); weeks start on Monday.
///
/// Buckets are numbered (days since 1970-01-01, weeks since Monday 1969-12-29, months since year
/// 0), so how many a window holds is arithmetic: it is known before any bucket is built.
public enum CountInterval: String, Sendable, CaseIterable {
    /// Days from midnight UTC, weeks from Monday midnight UTC, or calendar months from the 1st.
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

/// One bucket of a histogram: the scheduled events overlapping `[start, end)`. An event spanning
/// several buckets counts in each.
public struct CountBucket: Sendable, Hashable {
    /// The bucket's start: the window's `from` for the first bucket, else where its day, week or
    /// month starts.
    public var start: Date
    /// The bucket's end, excluded: where the next day, week or month starts, or the window's `to`
    /// for the last bucket.
    public var end: Date
    /// The scheduled events of the chosen categories that start before ``end`` and end after
    /// ``start``.
    public var count: Int

    /// Creates a bucket from its parts.
    public init(start: Date, end: Date, count: Int) {
        self.start = start
        self.end = end
        self.count = count
    }
}

/// What a bulk upsert changed; the API answers it as `{"created", "updated", "unchanged"}`.
public struct UpsertSummary: Sendable, Hashable, Codable {
    /// Items whose external id was new.
    public var created: Int
    /// Items that changed a stored event's city, category, times or status.
    public var updated: Int
    /// Items equal to the stored event: nothing was written for them.
    public var unchanged: Int

    /// Creates a summary; all counts are 0 by default.
    public init(created: Int = 0, updated: Int = 0, unchanged: Int = 0) {
        self.created = created
        self.updated = updated
        self.unchanged = unchanged
    }
}

extension UpsertSummary: JSONWritable {
    @usableFromInline package func write(to json: inout JSONWriter) {
        json.beginObject()
        json.field("created", created)
        json.field("unchanged", unchanged)
        json.field("updated", updated)
        json.endObject()
    }
}
