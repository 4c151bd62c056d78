import Foundation

/// A city the events site serves: the client-written fields (``CityDraft``, readable directly as
/// `city.name`, `city.slug`, …) plus what the server sets.
@dynamicMemberLookup
public struct City: Sendable, Hashable, Identifiable {
    public var id: Int64
    public var draft: CityDraft
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: Int64, draft: CityDraft, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.draft = draft
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public subscript<Value>(dynamicMember keyPath: WritableKeyPath<CityDraft, Value>) -> Value {
        get { draft[keyPath: keyPath] }
        set { draft[keyPath: keyPath] = newValue }
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
