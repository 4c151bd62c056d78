import Foundation

/// The cities and their current event counts, held in memory and moved by changes instead of
/// recounted.
///
/// It counts the scheduled events not over at ``watermark`` (`ends_at > watermark`), per city and
/// category, and knows each of them that ends by ``horizon``, so time can pass up to the horizon
/// (``advance(to:)``) without asking anyone. Changes (``apply(_:delta:)``) identify an event by
/// what counting needs of it: city, category and end.
public struct CityCountsState: Sendable {
    public struct CountedEvent: Sendable, Hashable {
        public var cityID: Int64
        public var category: String
        public var endsAt: Date

        public init(cityID: Int64, category: String, endsAt: Date) {
            self.cityID = cityID
            self.category = category
            self.endsAt = endsAt
        }
    }

    /// Grows whenever an answer may have changed; equal versions give equal answers.
    public private(set) var version: UInt64 = 0
    public private(set) var watermark: Date
    public private(set) var horizon: Date
    private var cities: [Int64: City] = [:]
    private var activeByName: [City] = []
    private var counts: [Int64: [String: Int]]
    /// Counted events ending in `(watermark, horizon]`, by end.
    private var ending: [CountedEvent]

    /// - Parameters:
    ///   - counts: per city and category, the scheduled events not over at `watermark`.
    ///   - ending: those of them ending by `horizon`, in any order.
    public init(cities: [City], counts: [Int64: [String: Int]], ending: [CountedEvent], watermark: Date, horizon: Date) {
        self.counts = counts
        self.ending = ending.filter { $0.endsAt > watermark && $0.endsAt <= horizon }.sorted { $0.endsAt < $1.endsAt }
        self.watermark = watermark
        self.horizon = horizon
        replaceCities(cities)
    }

    /// Whether the state can answer for `now` (after ``advance(to:)``): it knows nothing before its
    /// watermark or after its horizon.
    public func covers(_ now: Date) -> Bool { now >= watermark && now <= horizon }

    public mutating func replaceCities(_ cities: [City]) {
        self.cities = Dictionary(uniqueKeysWithValues: cities.map { ($0.id, $0) })
        activeByName = cities.filter(\.isActive).sorted(by: CityOrdering.byName)
        version += 1
    }

    /// Events like `event` appeared (`delta > 0`) or went away (`delta < 0`). Events already over
    /// at the watermark were never counted and are ignored. Apply changes netted per event (or in
    /// commit order): a removal of an event not yet added is lost.
    public mutating func apply(_ event: CountedEvent, delta: Int) {
        guard event.endsAt > watermark, delta != 0 else { return }
        counts[event.cityID, default: [:]][event.category, default: 0] += delta
        if counts[event.cityID]?[event.category] == 0 { counts[event.cityID]?[event.category] = nil }
        if event.endsAt <= horizon {
            if delta > 0 {
                for _ in 0..<delta { ending.insert(event, at: firstIndex(endingAfter: event.endsAt)) }
            } else {
                for _ in 0..<(-delta) {
                    let start = firstIndex(endingAt: event.endsAt)
                    if let index = ending[start...].prefix(while: { $0.endsAt == event.endsAt }).firstIndex(of: event) {
                        ending.remove(at: index)
                    }
                }
            }
        }
        version += 1
    }

    /// Moves the horizon to `newHorizon`, learning the counted events that end in `(horizon, newHorizon]`.
    public mutating func extendHorizon(to newHorizon: Date, ending newlyKnown: [CountedEvent]) {
        guard newHorizon > horizon else { return }
        ending += newlyKnown.filter { $0.endsAt > horizon && $0.endsAt <= newHorizon && $0.endsAt > watermark }.sorted { $0.endsAt < $1.endsAt }
        horizon = newHorizon
    }

    /// Lets time pass to `now` (at most the horizon): events that ended drop out of the counts.
    public mutating func advance(to now: Date) {
        precondition(now <= horizon, "advance beyond the horizon")
        guard now > watermark else { return }
        let ended = firstIndex(endingAfter: now)
        for event in ending[..<ended] {
            counts[event.cityID]?[event.category, default: 0] -= 1
            if counts[event.cityID]?[event.category] == 0 { counts[event.cityID]?[event.category] = nil }
        }
        if ended > 0 {
            ending.removeFirst(ended)
            version += 1
        }
        watermark = now
    }

    // MARK: Answers at the watermark

    public func eventCount(of cityID: Int64, categories: Set<String> = []) -> Int {
        guard let perCategory = counts[cityID] else { return 0 }
        if categories.isEmpty { return perCategory.values.reduce(0, +) }
        return categories.reduce(0) { $0 + (perCategory[$1] ?? 0) }
    }

    public func city(id: Int64) -> CityWithEventCount? {
        cities[id].map { CityWithEventCount(city: $0, eventCount: eventCount(of: id)) }
    }

    public func page(_ query: CityListQuery) -> CityPage {
        query.page(of: cities.values.lazy.map { CityWithEventCount(city: $0, eventCount: eventCount(of: $0.id)) })
    }

    /// Every active city (optionally of one country) with its count, ordered by name then id.
    public func eventCounts(categories: Set<String>, countryCode: String?) -> [CityEventCount] {
        activeByName.filter { countryCode == nil || $0.countryCode == countryCode }.map { city in
            CityEventCount(id: city.id, slug: city.slug, name: city.name, eventCount: eventCount(of: city.id, categories: categories))
        }
    }

    private func firstIndex(endingAfter date: Date) -> Int {
        partition { $0.endsAt > date }
    }

    private func firstIndex(endingAt date: Date) -> Int {
        partition { $0.endsAt >= date }
    }

    /// The first index of `ending` whose element satisfies `isAfter` (which is monotonic in it).
    private func partition(_ isAfter: (CountedEvent) -> Bool) -> Int {
        var low = 0
        var high = ending.count
        while low < high {
            let middle = (low + high) / 2
            if isAfter(ending[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
