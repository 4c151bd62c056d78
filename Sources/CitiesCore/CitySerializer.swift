import Foundation

/// The city resource's serializer in the DRF sense: it owns input validation (every field error at
/// once, cross-field errors under `non_field_errors`, read-only fields ignored, partial validation
/// for PATCH) and the output representation.
public struct CitySerializer: Sendable {
    package enum Field {
        package static let id = FieldDescription("id", .integer, label: "ID", readOnly: true)
        package static let slug = FieldDescription("slug", .slug, label: "Slug", maxLength: Slug.maximumLength)
        package static let name = FieldDescription("name", .string, label: "Name", required: true, maxLength: 200)
        package static let countryCode = FieldDescription("country_code", .choice, label: "Country code", required: true, maxLength: 2, choices: CountryCode.assigned.sorted())
        package static let region = FieldDescription("region", .string, label: "Region", nullable: true, maxLength: 200)
        package static let timezone = FieldDescription("timezone", .choice, label: "Timezone", required: true, maxLength: 64, choices: TimeZoneName.known.sorted())
        package static let latitude = FieldDescription("latitude", .float, label: "Latitude", nullable: true, minValue: -90, maxValue: 90)
        package static let longitude = FieldDescription("longitude", .float, label: "Longitude", nullable: true, minValue: -180, maxValue: 180)
        package static let population = FieldDescription("population", .integer, label: "Population", nullable: true, minValue: 0)
        package static let isActive = FieldDescription("is_active", .boolean, label: "Is active")
        package static let alternateNames = FieldDescription("alternate_names", .list, label: "Alternate names", maxLength: 1000, childMaxLength: 200)
        package static let eventCount = FieldDescription("event_count", .integer, label: "Event count", readOnly: true)
        package static let createdAt = FieldDescription("created_at", .datetime, label: "Created at", readOnly: true)
        package static let updatedAt = FieldDescription("updated_at", .datetime, label: "Updated at", readOnly: true)
    }

    /// Every field in representation order, for `OPTIONS` and the OpenAPI document.
    package static let fields: [FieldDescription] = [
        Field.id, Field.slug, Field.name, Field.countryCode, Field.region, Field.timezone, Field.latitude,
        Field.longitude, Field.population, Field.isActive, Field.alternateNames, Field.eventCount, Field.createdAt, Field.updatedAt,
    ]

    /// Creates a serializer; it holds no state.
    public init() {}

    /// Validates a create (`instance == nil`), a full update (PUT) or, with `partial`, a PATCH of
    /// `instance`. Returns the draft to store. Read-only and unknown fields are ignored.
    public func validate(_ data: JSONValue, instance: CityDraft? = nil, partial: Bool = false) throws(ValidationErrors) -> CityDraft {
        guard case .object(let object) = data else { throw FieldReader.expectedObject(got: data) }
        var reader = FieldReader(object: object, partial: partial)

        let name = reader.string(Field.name) ?? nil
        let givenSlug = reader.string(Field.slug) ?? nil
        if let givenSlug, !Slug.isValid(givenSlug) {
            reader.fail(Field.slug.name, "Enter a valid “slug” consisting of lowercase letters, numbers and single hyphens.")
        }
        let countryText = reader.string(Field.countryCode) ?? nil
        let countryCode = reader.choice(Field.countryCode, countryText?.uppercased(), isValid: CountryCode.isAssigned)
        let region = reader.string(Field.region)
        let timezone = reader.choice(Field.timezone, reader.string(Field.timezone) ?? nil, isValid: TimeZoneName.isValid)
        let latitude = reader.double(Field.latitude)
        let longitude = reader.double(Field.longitude)
        let population = reader.integer(Field.population)
        let isActive = reader.bool(Field.isActive)
        let alternateNames = reader.stringList(Field.alternateNames)

        var errors = reader.errors
        let resolvedName = name ?? instance?.name
        let resolvedLatitude = latitude ?? instance?.latitude
        let resolvedLongitude = longitude ?? instance?.longitude
        if errors.fields["latitude"] == nil, errors.fields["longitude"] == nil, (resolvedLatitude == nil) != (resolvedLongitude == nil) {
            errors.addNonField("latitude and longitude must be given together, or both be null.")
        }
        guard errors.isEmpty,
              let resolvedName,
              let countryCode = countryCode ?? instance?.countryCode,
              let timezone = timezone ?? instance?.timezone
        else {
            throw errors
        }
        return CityDraft(
            slug: givenSlug ?? instance?.slug, name: resolvedName, countryCode: countryCode, region: region ?? instance?.region,
            timezone: timezone, latitude: resolvedLatitude, longitude: resolvedLongitude,
            population: population ?? instance?.population, isActive: isActive ?? instance?.isActive ?? true,
            alternateNames: alternateNames ?? instance?.alternateNames ?? [])
    }

    /// Validates a draft built in code by the same rules, with the same messages, as a request body:
    /// it is checked as the JSON a client would send for it (one implementation of the rules).
    /// Returns the draft to store, normalised as the API stores it (e.g. the country code in upper
    /// case). The stores call this on every create and update.
    public func validate(_ draft: CityDraft) throws(ValidationErrors) -> CityDraft {
        func optional<Value>(_ value: Value?, _ wrap: (Value) -> JSONValue) -> JSONValue { value.map(wrap) ?? .null }
        var object: [String: JSONValue] = [
            Field.name.name: .string(draft.name),
            Field.countryCode.name: .string(draft.countryCode),
            Field.region.name: optional(draft.region, JSONValue.string),
            Field.timezone.name: .string(draft.timezone),
            Field.latitude.name: optional(draft.latitude, JSONValue.number),
            Field.longitude.name: optional(draft.longitude, JSONValue.number),
            Field.population.name: optional(draft.population, JSONValue.integer),
            Field.isActive.name: .bool(draft.isActive),
            Field.alternateNames.name: .array(draft.alternateNames.map(JSONValue.string)),
        ]
        if let slug = draft.slug { object[Field.slug.name] = .string(slug) }
        return try validate(.object(object))
    }

    /// Whether one name passes `alternate_names`' item rules: an import drops a name that does not
    /// instead of rejecting the city.
    package static func acceptsAlternateName(_ name: String) -> Bool {
        var reader = FieldReader(object: [Field.alternateNames.name: .array([.string(name)])], partial: true)
        return reader.stringList(Field.alternateNames) != nil
    }

    /// The representation a client reads.
    public func representation(of city: City, eventCount: Int) -> CityRepresentation {
        CityRepresentation(
            id: city.id, slug: city.slug, name: city.name, countryCode: city.countryCode, region: city.region,
            timezone: city.timezone, latitude: city.latitude, longitude: city.longitude, population: city.population,
            isActive: city.isActive, alternateNames: city.alternateNames, eventCount: eventCount,
            createdAt: ISOTimestamp.string(from: city.createdAt), updatedAt: ISOTimestamp.string(from: city.updatedAt))
    }
}

/// A city as the API shows it: snake_case keys, nulls written out, UTC timestamps with microseconds.
public struct CityRepresentation: Sendable, Hashable, Codable {
    /// `id`: the city's primary key.
    public var id: Int64
    /// `slug`: the city's URL slug.
    public var slug: String
    /// `name`.
    public var name: String
    /// `country_code`: ISO 3166-1 alpha-2, upper case.
    public var countryCode: String
    /// `region`; `null` when the city has none.
    public var region: String?
    /// `timezone`: an IANA time zone name.
    public var timezone: String
    /// `latitude` in degrees; `null` when the city has no coordinates.
    public var latitude: Double?
    /// `longitude` in degrees; `null` when the city has no coordinates.
    public var longitude: Double?
    /// `population`; `null` when unknown.
    public var population: Int64?
    /// `is_active`.
    public var isActive: Bool
    /// `alternate_names`: the city's other names, `[]` when none.
    public var alternateNames: [String]
    /// `event_count`: the count given to ``CitySerializer/representation(of:eventCount:)``.
    public var eventCount: Int
    /// `created_at`, e.g. `2026-11-24T19:36:47.123456Z`.
    public var createdAt: String
    /// `updated_at`, e.g. `2026-11-24T19:36:47.123456Z`.
    public var updatedAt: String

    enum CodingKeys: String, CodingKey {
        case id, slug, name, region, timezone, latitude, longitude, population
        case countryCode = "country_code"
        case isActive = "is_active"
        case alternateNames = "alternate_names"
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
        try container.encode(alternateNames, forKey: .alternateNames)
        try container.encode(eventCount, forKey: .eventCount)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
    }
}

extension CityRepresentation: JSONWritable {
    /// The fields in ``CodingKeys``' sorted order, as `JSONEncoder` with `.sortedKeys` has them.
    @usableFromInline package func write(to json: inout JSONWriter) {
        json.beginObject()
        json.field("alternate_names", alternateNames)
        json.field("country_code", countryCode)
        json.field("created_at", createdAt)
        json.field("event_count", eventCount)
        json.field("id", id)
        json.field("is_active", isActive)
        json.field("latitude", latitude)
        json.field("longitude", longitude)
        json.field("name", name)
        json.field("population", population)
        json.field("region", region)
        json.field("slug", slug)
        json.field("timezone", timezone)
        json.field("updated_at", updatedAt)
        json.endObject()
    }
}
