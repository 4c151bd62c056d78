import Foundation

/// A city the events site serves: the client-written fields (``CityDraft``, readable directly as
/// `city.name`, `city.countryCode`, …) plus what the server sets, the slug included (a draft may
/// leave it to the store to derive).
@dynamicMemberLookup
public struct City: Sendable, Hashable, Identifiable {
    /// The primary key (`id`), assigned by the store on create.
    public var id: Int64
    /// The city's URL slug (`slug`, e.g. `sao-paulo`), unique among cities: the draft's, or one the
    /// store derived on create.
    public var slug: String
    /// The client-written fields. The initializer sets its `slug` to ``slug``; changing one later
    /// does not change the other.
    public var draft: CityDraft
    /// When the store created the city (`created_at`).
    public var createdAt: Date
    /// When the store last wrote the city (`updated_at`): every update sets it, even one that
    /// changes no field.
    public var updatedAt: Date

    /// Creates a city from its parts; `draft.slug` is replaced by `slug`.
    public init(id: Int64, slug: String, draft: CityDraft, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.slug = slug
        self.draft = draft
        self.draft.slug = slug
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The draft's fields on the city itself: `city.name` reads and writes `city.draft.name`.
    public subscript<Value>(dynamicMember keyPath: WritableKeyPath<CityDraft, Value>) -> Value {
        get { draft[keyPath: keyPath] }
        set { draft[keyPath: keyPath] = newValue }
    }

    /// The folded text `search` looks in (``SearchText/document(of:)``).
    package var searchDocument: String { SearchText.document(of: draft, slug: slug) }
}

/// The fields a client writes; ``CitySerializer`` produces only valid drafts.
public struct CityDraft: Sendable, Hashable {
    /// The URL slug (`slug`): lowercase ASCII letters and digits in runs joined by single hyphens,
    /// at most 200 characters, unique among cities.
    ///
    /// `nil` on a create lets the store derive a free one from the name, then with the region and
    /// the country (`richmond`, `richmond-virginia`, `richmond-us`, `richmond-virginia-us`,
    /// `richmond-virginia-us-2`, …); `nil` on an update keeps the city's.
    public var slug: String?
    /// The city's name as shown on the site (`name`); required, 1–200 characters, trimmed.
    public var name: String
    /// The ISO 3166-1 alpha-2 code of the city's country (`country_code`), e.g. `DE`. The serializer
    /// accepts any case and stores it in upper case.
    public var countryCode: String
    /// The region, state or province (`region`), 1–200 characters; `nil` when there is none.
    public var region: String?
    /// The city's IANA time zone (`timezone`), e.g. `Europe/Berlin`: a zone or link name of the
    /// system's time zone database, at most 64 characters.
    public var timezone: String
    /// Degrees north (−90…90; `latitude`). Either both coordinates are set or neither.
    public var latitude: Double?
    /// Degrees east (−180…180; `longitude`). Either both coordinates are set or neither.
    public var longitude: Double?
    /// The number of inhabitants (`population`), at least 0; `nil` when unknown.
    public var population: Int64?
    /// Whether the city is active (`is_active`): `P/event-counts/` lists only active cities, and
    /// lists can filter on it. `true` when a create leaves it out.
    public var isActive: Bool
    /// Other names the city is known by (other languages and scripts, old names); `search` finds
    /// the city by any of them. At most 1,000 names of 1–200 characters each; the serializer trims
    /// them and keeps each once, in the order given.
    public var alternateNames: [String]

    /// Creates a draft from its parts without validating them; the stores validate every draft
    /// with ``CitySerializer/validate(_:)`` before writing it.
    public init(
        slug: String? = nil, name: String, countryCode: String, region: String? = nil, timezone: String,
        latitude: Double? = nil, longitude: Double? = nil, population: Int64? = nil, isActive: Bool = true,
        alternateNames: [String] = []
    ) {
        self.slug = slug
        self.name = name
        self.countryCode = countryCode
        self.region = region
        self.timezone = timezone
        self.latitude = latitude
        self.longitude = longitude
        self.population = population
        self.isActive = isActive
        self.alternateNames = alternateNames
    }

    /// The slugs a create tries, in order, when none was given.
    package var slugCandidates: some Sequence<String> { Slug.candidates(name: name, region: region, countryCode: countryCode) }
}
