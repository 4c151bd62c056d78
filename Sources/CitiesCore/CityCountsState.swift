import Foundation

/// The cities and their current event counts, held in memory and moved by changes instead of
/// recounted.
///
/// It counts the scheduled events not over at ``watermark`` (`ends_at > watermark`), per city and
/// category, and knows each of them that ends by ``horizon``, so time can pass up to the horizon
/// (``advance(to:)``) without asking anyone. Changes (``apply(_:delta:)``) identify an event by
/// what counting needs of it: city, category and end.
package struct CityCountsState: Sendable {
    package struct CountedEvent: Sendable, Hashable {
        package var cityID: Int64
        package var category: String
        package var endsAt: Date

        package init(cityID: Int64, category: String, endsAt: Date) {
            self.cityID = cityID
            self.category = category
            self.endsAt = endsAt
        }
    }

    /// Which answers changed when: ``version`` grows whenever an answer may have changed.
    package private(set) var answers = AnswerVersion(version: 0)
    /// Grows whenever an answer may have changed; equal versions give equal answers.
    package var version: UInt64 { answers.version }
    /// How many counted events it knows end within its look-ahead.
    package var lookaheadEvents: Int { ending.count }
    package private(set) var watermark: Date
    package private(set) var horizon: Date
    private var cities: [Int64: City] = [:]
    /// Every city in name order (``CityOrdering/byName(_:_:)``), kept sorted by each change.
    private var byName: [City] = []
    /// The ``City/searchDocument`` of each city of ``byName``, index for index, as UTF-8: folded
    /// once per change, and scanned without touching the cities.
    private var documentsByName: [[UInt8]] = []
    private var counts: [Int64: [String: Int]]
    /// Counted events ending in `(watermark, horizon]`, by end.
    private var ending: [CountedEvent]

    /// - Parameters:
    ///   - counts: per city and category, the scheduled events not over at `watermark`.
    ///   - ending: those of them ending by `horizon`, in any order.
    ///   - searchDocuments: the cities' stored ``City/searchDocument``s, by id; those missing are made.
    package init(cities: [City], searchDocuments: [Int64: String] = [:], counts: [Int64: [String: Int]], ending: [CountedEvent],
                watermark: Date, horizon: Date) {
        self.counts = counts
        self.ending = ending.filter { $0.endsAt > watermark && $0.endsAt <= horizon }.sorted { $0.endsAt < $1.endsAt }
        self.watermark = watermark
        self.horizon = horizon
        replaceCities(cities, searchDocuments: searchDocuments)
    }

    /// Whether the state can answer for `now` (after ``advance(to:)``): it knows nothing before its
    /// watermark or after its horizon.
    package func covers(_ now: Date) -> Bool { now >= watermark && now <= horizon }

    /// `searchDocuments`: the stored documents by city id (folding every name of 34,000 cities
    /// again takes seconds); those missing are made.
    package mutating func replaceCities(_ cities: [City], searchDocuments: [Int64: String] = [:]) {
        self.cities = Dictionary(uniqueKeysWithValues: cities.map { ($0.id, $0) })
        byName = cities.sorted(by: CityOrdering.byName)
        documentsByName = byName.map { Array((searchDocuments[$0.id] ?? $0.searchDocument).utf8) }
        answers.reset()
    }

    /// A city was created or changed: only its entries move (a binary search and an insertion in
    /// the name order), so a write costs the same with 200 cities as with 34,000.
    package mutating func upsertCity(_ city: City, searchDocument: String? = nil) {
        if let old = cities[city.id] {
            let index = nameIndex(of: old)
            byName.remove(at: index)
            documentsByName.remove(at: index)
        }
        let index = nameIndex(of: city)
        byName.insert(city, at: index)
        documentsByName.insert(Array((searchDocument ?? city.searchDocument).utf8), at: index)
        cities[city.id] = city
        answers.cityChanged(city.id)
    }

    /// A city was deleted (its events went with it).
    package mutating func removeCity(id: Int64) {
        guard let old = cities.removeValue(forKey: id) else { return }
        let index = nameIndex(of: old)
        byName.remove(at: index)
        documentsByName.remove(at: index)
        counts[id] = nil
        answers.cityChanged(id)
    }

    /// Where `city` is or would go in ``byName``.
    private func nameIndex(of city: City) -> Int {
        var low = 0
        var high = byName.count
        while low < high {
            let middle = (low + high) / 2
            if CityOrdering.byName(byName[middle], city) { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Events like `event` appeared (`delta > 0`) or went away (`delta < 0`). Events already over
    /// at the watermark were never counted and are ignored. Apply changes netted per event (or in
    /// commit order): a removal of an event not yet added is lost.
    package mutating func apply(_ event: CountedEvent, delta: Int) {
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
        answers.countsChanged(of: CollectionOfOne(event.cityID))
    }

    /// Moves the horizon to `newHorizon`, learning the counted events that end in `(horizon, newHorizon]`.
    package mutating func extendHorizon(to newHorizon: Date, ending newlyKnown: [CountedEvent]) {
        guard newHorizon > horizon else { return }
        ending += newlyKnown.filter { $0.endsAt > horizon && $0.endsAt <= newHorizon && $0.endsAt > watermark }.sorted { $0.endsAt < $1.endsAt }
        horizon = newHorizon
    }

    /// Lets time pass to `now` (at most the horizon): events that ended drop out of the counts.
    package mutating func advance(to now: Date) {
        precondition(now <= horizon, "advance beyond the horizon")
        guard now > watermark else { return }
        let ended = firstIndex(endingAfter: now)
        for event in ending[..<ended] {
            counts[event.cityID]?[event.category, default: 0] -= 1
            if counts[event.cityID]?[event.category] == 0 { counts[event.cityID]?[event.category] = nil }
        }
        if ended > 0 {
            answers.countsChanged(of: ending[..<ended].map(\.cityID))
            ending.removeFirst(ended)
        }
        watermark = now
    }

    // MARK: Answers at the watermark

    package func eventCount(of cityID: Int64, categories: Set<String> = []) -> Int {
        guard let perCategory = counts[cityID] else { return 0 }
        if categories.isEmpty { return perCategory.values.reduce(0, +) }
        return categories.reduce(0) { $0 + (perCategory[$1] ?? 0) }
    }

    package func city(id: Int64) -> CityWithEventCount? {
        cities[id].map { CityWithEventCount(city: $0, eventCount: eventCount(of: id)) }
    }

    /// Filters in name order, looking for search terms in the documents alone; with the default
    /// ordering nothing is sorted and only the page's cities are copied out.
    package func page(_ query: CityListQuery) -> CityPage {
        let terms = query.searchTerms.map { Array($0.utf8) }
        let filtered = query.countryCode != nil || query.isActive != nil
        let matching = byName.indices.lazy.filter { index in
            (terms.isEmpty || Self.contains(documentsByName[index], every: terms)) && (!filtered || query.matchesFilters(byName[index]))
        }
        func row(_ index: Int) -> CityWithEventCount { CityWithEventCount(city: byName[index], eventCount: eventCount(of: byName[index].id)) }
        guard query.ordering == CityOrdering(.name) else { return query.page(ofMatching: matching.map(row)) }
        let wanted = query.pageRange
        var count = 0
        var results: [CityWithEventCount] = []
        for index in matching {
            if wanted.contains(count) { results.append(row(index)) }
            count += 1
        }
        return CityPage(count: count, results: results)
    }

    /// Every active city (optionally of one country) with its count, ordered by name then id.
    package func eventCounts(categories: Set<String>, countryCode: String?) -> [CityEventCount] {
        byName.compactMap { city in
            guard city.isActive, countryCode == nil || city.countryCode == countryCode else { return nil }
            return CityEventCount(id: city.id, slug: city.slug, name: city.name, eventCount: eventCount(of: city.id, categories: categories))
        }
    }

    private static func contains(_ document: [UInt8], every terms: [[UInt8]]) -> Bool {
        document.withUnsafeBytes { haystack in
            terms.allSatisfy { term in
                term.withUnsafeBytes { needle in find(needle, in: haystack) }
            }
        }
    }

    /// Whether `needle` occurs in `haystack`: `memchr` to each candidate first byte, then `memcmp`.
    private static func find(_ needle: UnsafeRawBufferPointer, in haystack: UnsafeRawBufferPointer) -> Bool {
        guard let needleStart = needle.baseAddress, needle.count > 0 else { return true }
        guard let base = haystack.baseAddress, haystack.count >= needle.count else { return false }
        let lastStart = haystack.count - needle.count
        var start = 0
        while start <= lastStart {
            guard let found = memchr(base + start, Int32(needle[0]), lastStart - start + 1) else { return false }
            let offset = base.distance(to: UnsafeRawPointer(found))
            if memcmp(base + offset, needleStart, needle.count) == 0 { return true }
            start = offset + 1
        }
        return false
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
