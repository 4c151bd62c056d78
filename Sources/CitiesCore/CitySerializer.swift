import Foundation

/// The city resource's serializer in the DRF sense: it owns input validation (every field error at
/// once, cross-field errors under `non_field_errors`, read-only fields ignored, partial validation
/// for PATCH) and the output representation.
public struct CitySerializer: Sendable {
    public static let readOnlyFields: Set<String> = ["id", "event_count", "created_at", "updated_at"]

    public init() {}

    /// Validates a create (`instance == nil`), a full update (PUT) or, with `partial`, a PATCH of
    /// `instance`. Returns the draft to store.
    public func validate(_ data: JSONValue, instance: CityDraft? = nil, partial: Bool = false) throws(ValidationErrors) -> CityDraft {
        guard case .object(let object) = data else { throw FieldReader.expectedObject(got: data) }
        var reader = FieldReader(object: object, partial: partial)

        let name = reader.string("name", required: true, maxLength: 200) ?? nil
        let givenSlug = reader.string("slug", required: false, maxLength: Slug.maximumLength) ?? nil
        if let givenSlug, !Slug.isValid(givenSlug) {
            reader.fail("slug", "Enter a valid “slug” consisting of lowercase letters, numbers and single hyphens.")
        }
        let countryText = reader.string("country_code", required: true, maxLength: 2) ?? nil
        let countryCode = reader.choice("country_code", countryText?.uppercased(), isValid: CountryCode.isAssigned)
        let region = reader.string("region", required: false, nullable: true, maxLength: 200)
        let timezone = reader.choice("timezone", reader.string("timezone", required: true, maxLength: 64) ?? nil, isValid: TimeZoneName.isValid)
        let latitude = reader.double("latitude", required: false, nullable: true, min: -90, max: 90)
        let longitude = reader.double("longitude", required: false, nullable: true, min: -180, max: 180)
        let population = reader.integer("population", required: false, nullable: true, min: 0)
        let isActive = reader.bool("is_active", required: false)

        var errors = reader.errors
        let resolvedName = name ?? instance?.name
        let slug = givenSlug ?? instance?.slug ?? resolvedName.map(Slug.derive)
        if errors.fields["slug"] == nil, errors.fields["name"] == nil, let slug, slug.isEmpty {
            errors.add("Could not derive a slug from the name; provide one.", to: "slug")
        }
        let resolvedLatitude = latitude ?? instance?.latitude
        let resolvedLongitude = longitude ?? instance?.longitude
        if errors.fields["latitude"] == nil, errors.fields["longitude"] == nil, (resolvedLatitude == nil) != (resolvedLongitude == nil) {
            errors.addNonField("latitude and longitude must be given together, or both be null.")
        }
        guard errors.isEmpty,
              let resolvedName, let slug,
              let countryCode = countryCode ?? instance?.countryCode,
              let timezone = timezone ?? instance?.timezone
        else {
            throw errors
        }
        return CityDraft(
            slug: slug, name: resolvedName, countryCode: countryCode, region: region ?? instance?.region,
            timezone: timezone, latitude: resolvedLatitude, longitude: resolvedLongitude,
            population: population ?? instance?.population, isActive: isActive ?? instance?.isActive ?? true)
    }

    /// The representation a client reads.
    public func representation(of city: City, eventCount: Int) -> CityRepresentation {
        CityRepresentation(
            id: city.id, slug: city.slug, name: city.name, countryCode: city.countryCode, region: city.region,
            timezone: city.timezone, latitude: city.latitude, longitude: city.longitude, population: city.population,
            isActive: city.isActive, eventCount: eventCount,
            createdAt: ISOTimestamp.string(from: city.createdAt), updatedAt: ISOTimestamp.string(from: city.updatedAt))
    }
}

/// A city as the API shows it: snake_case keys, nulls written out, UTC timestamps with microseconds.
public struct CityRepresentation: Sendable, Hashable, Codable {
    public var id: Int64
    public var slug: String
    public var name: String
    public var countryCode: String
    public var region: String?
    public var timezone: String
    public var latitude: Double?
    public var longitude: Double?
    public var population: Int64?
    public var isActive: Bool
    public var eventCount: Int
    public var createdAt: String
    public var updatedAt: String

    enum CodingKeys: String, CodingKey {
        case id, slug, name, region, timezone, latitude, longitude, population
        case countryCode = "country_code"
        case isActive = "is_active"
        case eventCount = "event_count"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(slug, forKey: .slug)
        try container.encode(name, forKey: .name)
        try container.encode(countryCode, forKey: .countryCode)
        try container.encode(region, forKey: .region)
        try container.encode(timezone, forKey: .timezone)
        try container.encode(latitude, forKey: .latitude)
        try container.encode(longitude, forKey: .longitude)
        try container.encode(population, forKey: .population)
        try container.encode(isActive, forKey: .isActive)
        try container.encode(eventCount, forKey: .eventCount)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
    }
}
