import Foundation

/// A city the events site serves: the client-written fields (``CityDraft``, readable directly as
/// `city.name`, `city.countryCode`, …) plus what the server sets, the slug included (a draft may
/// leave it to the store to derive).
@dynamicMemberLookup
public struct City: Sendable, Hashable, Identifiable {
    public var id: Int64
    public var slug: String
    public var draft: CityDraft
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: Int64, slug: String, draft: CityDraft, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.slug = slug
        self.draft = draft
        self.draft.slug = slug
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public subscript<Value>(dynamicMember keyPath: WritableKeyPath<CityDraft, Value>) -> Value {
        get { draft[keyPath: keyPath] }
        set { draft[keyPath: keyPath] = newValue }
    }

    /// The folded text `search` looks in (``SearchText/document(of:)``).
    package var searchDocument: String { SearchText.document(of: draft, slug: slug) }
}

/// The fields a client writes; ``CitySerializer`` produces only valid drafts.
public struct CityDraft: Sendable, Hashable {
    /// `nil` on a create: the store derives a free one (``Slug/candidates(name:region:countryCode:)``).
    public var slug: String?
    public var name: String
    public var countryCode: String
    public var region: String?
    public var timezone: String
    public var latitude: Double?
    public var longitude: Double?
    public var population: Int64?
    public var isActive: Bool
    /// Other names the city is known by (other languages and scripts, old names); `search` finds
    /// the city by any of them.
    public var alternateNames: [String]

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
