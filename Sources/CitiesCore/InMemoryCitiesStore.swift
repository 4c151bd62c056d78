import Foundation

/// A complete in-memory implementation of ``CityStore``, ``EventStore`` and ``EventCountQuery``,
/// for other services' tests. It follows the PostgreSQL implementation's semantics exactly (the
/// shared contract tests check both).
public actor InMemoryCitiesStore: CityStore, EventStore, EventCountQuery {
    private var cities: [Int64: City] = [:]
    private var events: [String: Event] = [:]
    private var nextID: Int64 = 1
    private let clock: @Sendable () -> Date

    /// Creates an empty store; `clock` stamps `created_at` and `updated_at` (reads take their
    /// `now` as a parameter).
    public init(clock: @escaping @Sendable () -> Date = Date.init) {
        self.clock = clock
    }

    // MARK: CityStore

    public func list(_ query: CityListQuery, now: Date) -> CityPage {
        let counts = eventCountsByCity(EventCountFilter(), now: now)
        return query.page(of: cities.values.map { CityWithEventCount(city: $0, eventCount: counts[$0.id] ?? 0) })
    }

    public func city(id: Int64, now: Date) -> CityWithEventCount? {
        guard let city = cities[id] else { return nil }
        return CityWithEventCount(city: city, eventCount: eventCountsByCity(EventCountFilter(), now: now)[id] ?? 0)
    }

    public func create(_ draft: CityDraft) throws -> City {
        let draft = try CitySerializer().validate(draft)
        let slug: String
        if let given = draft.slug {
            try checkSlugIsFree(given, except: nil)
            slug = given
        } else {
            let taken = Set(cities.values.map(\.slug))
            slug = draft.slugCandidates.first { !taken.contains($0) }!
        }
        let now = clock()
        let city = City(id: nextID, slug: slug, draft: draft, createdAt: now, updatedAt: now)
        nextID += 1
        cities[city.id] = city
        return city
    }

    public func update(id: Int64, with draft: CityDraft) throws -> City? {
        let draft = try CitySerializer().validate(draft)  // first, as the PostgreSQL stores do
        guard let existing = cities[id] else { return nil }
        let slug = draft.slug ?? existing.slug
        try checkSlugIsFree(slug, except: id)
        let city = City(id: id, slug: slug, draft: draft, createdAt: existing.createdAt, updatedAt: clock())
        cities[id] = city
        return city
    }

    public func delete(id: Int64) -> Bool {
        guard cities.removeValue(forKey: id) != nil else { return false }
        events = events.filter { $0.value.cityID != id }
        return true
    }

    // MARK: EventStore

    public func upsert(_ incoming: [Event]) throws -> UpsertSummary {
        let incoming = try EventSerializer().validate(incoming)
        let itemErrors = incoming.map { event in
            cities[event.cityID] == nil ? ValidationErrors(["city": [CityMessages.unknownCity(event.cityID)]]) : ValidationErrors()
        }
        guard itemErrors.allSatisfy(\.isEmpty) else { throw BulkValidationErrors.items(itemErrors) }
        var summary = UpsertSummary()
        for event in incoming {
            switch events[event.externalID] {
            case nil: summary.created += 1
            case event: summary.unchanged += 1
            default: summary.updated += 1
            }
            events[event.externalID] = event
        }
        return summary
    }

    public func delete(externalID: String) -> Bool {
        events.removeValue(forKey: externalID) != nil
    }

    // MARK: EventCountQuery

    public func eventCounts(_ filter: EventCountFilter, countryCode: String?, now: Date) -> [CityEventCount] {
        let counts = eventCountsByCity(filter, now: now)
        return cities.values
            .filter { $0.isActive && (countryCode == nil || $0.countryCode == countryCode) }
            .sorted(by: CityOrdering.byName)
            .map { CityEventCount(id: $0.id, slug: $0.slug, name: $0.name, eventCount: counts[$0.id] ?? 0) }
    }

    public func histogram(cityID: Int64, interval: CountInterval, from: Date, to: Date, categories: Set<String>) -> [CountBucket]? {
        guard cities[cityID] != nil else { return nil }
        let candidates = events.values.filter { $0.cityID == cityID && (categories.isEmpty || categories.contains($0.category)) }
        return interval.buckets(from: from, to: to).map { bucket in
            CountBucket(start: bucket.start, end: bucket.end,
                        count: candidates.filter { $0.counts(from: bucket.start, to: bucket.end) }.count)
        }
    }

    // MARK: Helpers

    private func eventCountsByCity(_ filter: EventCountFilter, now: Date) -> [Int64: Int] {
        events.values.reduce(into: [:]) { counts, event in
            if filter.counts(event, now: now) { counts[event.cityID, default: 0] += 1 }
        }
    }

    private func checkSlugIsFree(_ slug: String, except id: Int64?) throws {
        if cities.values.contains(where: { $0.slug == slug && $0.id != id }) {
            throw ValidationErrors(["slug": [CityMessages.duplicateSlug]])
        }
    }
}
