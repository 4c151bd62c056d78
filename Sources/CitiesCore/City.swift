import Foundation

/// A city the events site serves.
public struct City: Sendable, Hashable, Identifiable {
    public var id: Int64
    public var slug: String
    public var name: String
    /// ISO 3166-1 alpha-2, upper-case.
    public var countryCode: String
    public var region: String?
    /// IANA time zone name, e.g. `Europe/Berlin`.
    public var timezone: String
    public var latitude: Double?
    public var longitude: Double?
    public var population: Int64?
    public var isActive: Bool
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: Int64, draft: CityDraft, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.slug = draft.slug
        self.name = draft.name
        self.countryCode = draft.countryCode
        self.region = draft.region
        self.timezone = draft.timezone
        self.latitude = draft.latitude
        self.longitude = draft.longitude
        self.population = draft.population
        self.isActive = draft.isActive
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The writable fields, as a create or update stores them.
    public var draft: CityDraft {
        CityDraft(slug: slug, name: name, countryCode: countryCode, region: region, timezone: timezone,
                  latitude: latitude, longitude: longitude, population: population, isActive: isActive)
    }
}

/// The fields a client writes; ``CitySerializer`` produces only valid drafts.
public struct CityDraft: Sendable, Hashable {
    public var slug: String
    public var name: String
    public var countryCode: String
    public var region: String?
    public var timezone: String
    public var latitude: Double?
    public var longitude: Double?
    public var population: Int64?
    public var isActive: Bool

    public init(
        slug: String, name: String, countryCode: String, region: String? = nil, timezone: String,
        latitude: Double? = nil, longitude: Double? = nil, population: Int64? = nil, isActive: Bool = true
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
    }
}
