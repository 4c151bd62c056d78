import Foundation

/// Storage of cities, with each city's event count under the default filter. Implementations:
/// ``InMemoryCitiesStore`` here, `PostgresCitiesStore` and `LiveCitiesStore` in CitiesPG; one
/// contract test suite runs on all.
///
/// A create whose draft has no slug gets the first free one of the slugs derived from its name,
/// region and country (see ``CityDraft/slug``), even when other creates race it; an update without
/// a slug keeps the city's. A slug given explicitly that another city has throws
/// ``ValidationErrors`` on `slug`.
public protocol CityStore: Sendable {
    /// The cities matching `query`, ordered and cut to its page, and how many match in all; each
    /// city comes with its scheduled events not over at `now` (`ends_at > now`).
    func list(_ query: CityListQuery, now: Date) async throws -> CityPage
    /// The city with this id and its scheduled events not over at `now` (`ends_at > now`); nil when
    /// no city has that id.
    func city(id: Int64, now: Date) async throws -> CityWithEventCount?
    /// Stores `draft` as a new city, stamping `created_at` and `updated_at`, and returns it.
    ///
    /// The draft is validated and normalised by ``CitySerializer/validate(_:)``, whose
    /// ``ValidationErrors`` are thrown as they are; a slug another city has throws on `slug`
    /// (`city with this slug already exists.`). `PostgresCitiesStore` tries 10,000 derived slugs at
    /// most, then throws on `slug` too.
    func create(_ draft: CityDraft) async throws -> City
    /// Replaces every field of the city with `draft`, validated as ``create(_:)`` validates it, and
    /// stamps `updated_at`; a draft without a slug keeps the city's. nil when no city has that id.
    func update(id: Int64, with draft: CityDraft) async throws -> City?
    /// false when no city has that id. Its events go with it.
    func delete(id: Int64) async throws -> Bool
}

/// Storage of events. A bulk upsert is atomic: all items are applied or none, and items naming an
/// unknown city fail with errors aligned to the input.
public protocol EventStore: Sendable {
    /// Creates the events whose ``Event/externalID`` is new and replaces the others.
    ///
    /// Every event is first validated by ``EventSerializer/validate(_:)-([Event])`` (the rules and
    /// messages of a bulk request body). Throws ``BulkValidationErrors/items(_:)``, aligned with
    /// `events` and with nothing written, when an event is invalid, when an external id appears twice
    /// (on the repeat's `id`) or an event names a city that does not exist (on `city`:
    /// `Invalid pk "7" - object does not exist.`).
    func upsert(_ events: [Event]) async throws -> UpsertSummary
    /// Deletes the event with this external id; false when there is none.
    func delete(externalID: String) async throws -> Bool
}

/// The counts the search page asks for.
public protocol EventCountQuery: Sendable {
    /// Every active city (optionally of one country) with its count, ordered by name then id.
    func eventCounts(_ filter: EventCountFilter, countryCode: String?, now: Date) async throws -> [CityEventCount]
    /// One city's counts per bucket over `[from, to)`; nil when the city does not exist.
    func histogram(cityID: Int64, interval: CountInterval, from: Date, to: Date, categories: Set<String>) async throws -> [CountBucket]?
}

package enum CityMessages {
    package static let duplicateSlug = "city with this slug already exists."
    package static func unknownCity(_ id: Int64) -> String { "Invalid pk \"\(id)\" - object does not exist." }
}

/// What `search` matches, as DRF's `SearchFilter` does: the search splits into terms (on
/// whitespace and commas) and a city matches when each term is in one of its names (name, slug,
/// region, alternate names), ignoring case, accents and width, in any script.
package enum SearchText {
    package static func fold(_ text: String) -> String {
        // ASCII has no accents or wide forms: folding it is lowercasing it, much faster than Foundation's.
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return text.lowercased() }
        return text.folding(options: [.diacriticInsensitive, .caseInsensitive, .widthInsensitive], locale: nil)
    }

    /// The folded terms of a `search` value; none for a blank one.
    package static func terms(_ search: String) -> [String] {
        fold(search).split(whereSeparator: { $0.isWhitespace || $0 == "," || $0 == "\0" }).map(String.init)
    }

    /// Every name of a city, folded, one per line: no term holds a line break, so none matches
    /// across two names.
    package static func document(of draft: CityDraft, slug: String) -> String {
        FoldedNames(of: draft).document(slug: slug)
    }

    /// A city's names folded before its slug is known (an import folds them on several threads
    /// and picks the slugs later); ``document(slug:)`` completes ``SearchText/document(of:slug:)``.
    package struct FoldedNames: Sendable, Hashable {
        package let name: String
        /// The region, then the alternate names.
        package let others: [String]

        package init(of draft: CityDraft) {
            name = SearchText.fold(draft.name)
            others = ((draft.region.map { [$0] } ?? []) + draft.alternateNames).map(SearchText.fold)
        }

        package func document(slug: String) -> String {
            ([name, SearchText.fold(slug)] + others).joined(separator: "\n")
        }
    }
}

/// Everything the API needs from storage.
public typealias CitiesRepository = CityStore & EventStore & EventCountQuery

/// A repository whose answers change only when its version does, so the API may keep what it
/// rendered until then — and, past it, as long as what the answer was made from did not change.
package protocol VersionedReads: Sendable {
    /// The version of the answers for `now`; nil when the repository cannot tell (nothing is kept).
    func readVersion(now: Date) async throws -> AnswerVersion?
}
