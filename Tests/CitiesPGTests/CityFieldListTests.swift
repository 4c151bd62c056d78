import CitiesCore
import CitiesPG
import Foundation
import Testing

/// A city's fields are declared by `CityDraft`; the serializer's field descriptions, the
/// representation, the JSON validation, each store's writes and reads and the `cities` table must
/// carry every one of them. These tests read the field list off `CityDraft` itself, so a field added
/// there and missed in one of those places fails here, naming the place.
@Suite struct CityFieldListTests {
    /// Every field set, each to something a minimal draft does not have.
    static let everyField = CityDraft(
        slug: "bad-godesberg", name: "Bad Godesberg", countryCode: "DE", region: "North Rhine-Westphalia",
        timezone: "Europe/Berlin", latitude: 50.6833, longitude: 7.15, population: 73_000, isActive: false,
        alternateNames: ["Godesberg", "Годесберг"])
    /// Every field different from ``everyField``.
    static let everyFieldChanged = CityDraft(
        slug: "st-gallen", name: "St. Gallen", countryCode: "CH", region: "St. Gallen", timezone: "Europe/Zurich",
        latitude: 47.4245, longitude: 9.3767, population: 76_000, isActive: true, alternateNames: ["Sankt Gallen"])

    static func fields(of value: Any) -> [(name: String, value: String)] {
        Mirror(reflecting: value).children.map { (snakeCase($0.label ?? "?"), String(describing: $0.value)) }
    }

    static func snakeCase(_ name: String) -> String {
        name.reduce(into: "") { result, character in
            result += character.isUppercase ? "_" + character.lowercased() : String(character)
        }
    }

    /// What the server sets; a client never writes these.
    static let readOnlyFields: Set = ["id", "event_count", "created_at", "updated_at"]

    @Test func theFixturesSetEveryFieldOfCityDraft() {
        let minimal = CityDraft(name: "Lyon", countryCode: "FR", timezone: "Europe/Paris")
        for (field, minimalField) in zip(Self.fields(of: Self.everyField), Self.fields(of: minimal)) {
            #expect(field.value != minimalField.value, "a new CityDraft field? set `\(field.name)` in everyField")
        }
        for (field, changedField) in zip(Self.fields(of: Self.everyField), Self.fields(of: Self.everyFieldChanged)) {
            #expect(field.value != changedField.value, "give `\(field.name)` another value in everyFieldChanged")
        }
    }

    @Test func theSerializerDescribesAndRepresentsEveryFieldInOneOrder() throws {
        let described = CitySerializer.fields.map(\.name)
        let drafted = Self.fields(of: Self.everyField).map(\.name)
        #expect(described.filter { !Self.readOnlyFields.contains($0) } == drafted,
                "CitySerializer.fields (OPTIONS, OpenAPI) must describe CityDraft's fields in its order")

        let city = City(id: 7, slug: "bad-godesberg", draft: Self.everyField, createdAt: referenceNow, updatedAt: referenceNow)
        let representation = CitySerializer().representation(of: city, eventCount: 3)
        #expect(Self.fields(of: representation).map(\.name) == described, "CityRepresentation's properties")
        let encoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode(representation)) as? [String: Any]
        #expect(Set(try #require(encoded).keys) == Set(described), "CityRepresentation.encode(to:)")
    }

    @Test func everyFieldSurvivesValidationAndTheJSONRoundTrip() throws {
        #expect(try CitySerializer().validate(Self.everyField) == Self.everyField, "CitySerializer.validate(_: CityDraft)")

        let city = City(id: 7, slug: "bad-godesberg", draft: Self.everyField, createdAt: referenceNow, updatedAt: referenceNow)
        let body = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(CitySerializer().representation(of: city, eventCount: 0)))
        #expect(try CitySerializer().validate(body) == Self.everyField, "representation, then CitySerializer.validate(_: JSONValue)")
        let patched = try CitySerializer().validate(body, instance: Self.everyFieldChanged, partial: true)
        #expect(patched == Self.everyField, "a PATCH carrying every field")
    }

    @Test(arguments: Implementation.allCases)
    func everyStoreWritesAndReadsEveryField(_ implementation: Implementation) async throws {
        try await implementation.withRepository { store in
            let created = try await store.create(Self.everyField)
            #expect(created.draft == Self.everyField, "create's answer")
            #expect(try await store.city(id: created.id, now: referenceNow)?.city.draft == Self.everyField, "read after create")

            let updated = try await store.update(id: created.id, with: Self.everyFieldChanged)
            #expect(updated?.draft == Self.everyFieldChanged, "update's answer")
            #expect(try await store.city(id: created.id, now: referenceNow)?.city.draft == Self.everyFieldChanged, "read after update")
            #expect(try await store.list(CityListQuery(), now: referenceNow).results.map(\.city.draft) == [Self.everyFieldChanged], "list")
        }
    }

    @Test func theCitiesTableHasAColumnForEveryFieldAndNoOther() async throws {
        try await withTestPool(migrated: true) { pool in
            let columns = try await pool.withConnection { connection in
                try connection.query("""
                    SELECT column_name FROM information_schema.columns
                    WHERE table_schema = current_schema() AND table_name = 'cities'
                    """).rows.map { try $0.decode(String.self, at: 0) }
            }
            let serverSide: Set = ["search_name", "geonames_id"]  // search document, import identity
            let fields = Set(Self.fields(of: Self.everyField).map(\.name)).union(["id", "created_at", "updated_at"])
            #expect(Set(columns).subtracting(serverSide) == fields)
        }
    }
}
