import Foundation

/// Storage of cities, with each city's event count under the default filter. Implementations:
/// ``InMemoryCityStore`` here, `PostgresCityStore` in CitiesPG; one contract test suite runs on both.
///
/// Writes that clash with another city's slug throw ``ValidationErrors`` on `slug`.
public protocol CityStore: Sendable {
    func list(_ query: CityListQuery, now: Date) async throws -> CityPage
    func city(id: Int64, now: Date) async throws -> CityWithEventCount?
    func create(_ draft: CityDraft) async throws -> City
    /// nil when no city has that id.
    func update(id: Int64, with draft: CityDraft) async throws -> City?
    /// false when no city has that id. Its events go with it.
    func delete(id: Int64) async throws -> Bool
}

/// Storage of events. A bulk upsert is atomic: all items are applied or none, and items naming an
/// unknown city fail with errors aligned to the input.
public protocol EventStore: Sendable {
    func upsert(_ events: [Event]) async throws -> UpsertSummary
    func delete(externalID: String) async throws -> Bool
}

/// The counts the search page asks for.
public protocol EventCountQuery: Sendable {
    /// Every active city (optionally of one country) with its count, ordered by name then id.
    func eventCounts(_ filter: EventCountFilter, countryCode: String?, now: Date) async throws -> [CityEventCount]
    /// One city's counts per bucket over `[from, to)`; nil when the city does not exist.
    func histogram(cityID: Int64, interval: CountInterval, from: Date, to: Date, categories: Set<String>) async throws -> [CountBucket]?
}

public enum CityMessages {
    public static let duplicateSlug = "city with this slug already exists."
    public static func unknownCity(_ id: Int64) -> String { "Invalid pk \"\(id)\" - object does not exist." }
}

/// The accent- and case-folded form of a name that `search` matches against.
public enum SearchText {
    public static func fold(_ text: String) -> String {
        text.folding(options: [.diacriticInsensitive, .caseInsensitive, .widthInsensitive], locale: nil)
    }
}

/// Everything the API needs from storage.
public typealias CitiesRepository = CityStore & EventStore & EventCountQuery

/// A repository whose answers change only when its version does, so the API may keep what it
/// rendered until then.
public protocol VersionedReads: Sendable {
    /// The version of the answers for `now`; nil when the repository cannot tell (nothing is kept).
    func readVersion(now: Date) async throws -> UInt64?
}
