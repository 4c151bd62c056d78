import Foundation

/// What `GET P/` may ask for.
public struct CityListQuery: Sendable, Hashable {
    public var page: Int
    public var pageSize: Int
    public var ordering: CityOrdering
    /// Case- and accent-insensitive substring of the name.
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

/// Histogram buckets for `P/{id}/event-counts/`, in UTC; weeks start on Monday.
public enum CountInterval: String, Sendable, CaseIterable {
    case day, week, month

    /// The start of the bucket holding `date`.
    public func bucketStart(_ date: Date) -> Date {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        switch self {
        case .day: return calendar.startOfDay(for: date)
        case .week: return calendar.dateInterval(of: .weekOfYear, for: date)!.start
        case .month: return calendar.dateInterval(of: .month, for: date)!.start
        }
    }

    public func next(after bucketStart: Date) -> Date {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        switch self {
        case .day: return calendar.date(byAdding: .day, value: 1, to: bucketStart)!
        case .week: return calendar.date(byAdding: .day, value: 7, to: bucketStart)!
        case .month: return calendar.date(byAdding: .month, value: 1, to: bucketStart)!
        }
    }

    /// The buckets covering `[from, to)`, clipped to it: the first starts at `from`, the last ends at `to`.
    public func buckets(from: Date, to: Date) -> [DateInterval] {
        var buckets: [DateInterval] = []
        var start = from
        while start < to {
            let end = min(next(after: bucketStart(start)), to)
            buckets.append(DateInterval(start: start, end: end))
            start = end
        }
        return buckets
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
