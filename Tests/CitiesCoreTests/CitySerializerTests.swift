@testable import CitiesCore
import Foundation
import Testing

@Suite struct CitySerializerTests {
    let serializer = CitySerializer()

    func json(_ text: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    func errors(_ text: String, instance: CityDraft? = nil, partial: Bool = false) throws -> [String: [String]] {
        let data = try json(text)
        do {
            let draft = try serializer.validate(data, instance: instance, partial: partial)
            Issue.record("expected validation errors, got \(draft)")
            return [:]
        } catch {
            return error.fields
        }
    }

    @Test func createNormalisesCountryAndDefaults() throws {
        let draft = try serializer.validate(json(#"{"name": "  Düsseldorf ", "country_code": "de", "timezone": "Europe/Berlin", "id": 99, "event_count": 5}"#))
        #expect(draft == CityDraft(name: "Düsseldorf", countryCode: "DE", timezone: "Europe/Berlin"))
    }

    @Test func reportsEveryFieldErrorAtOnce() throws {
        let fields = try errors(#"{"name": "", "slug": "Not A Slug", "country_code": "XX", "timezone": "Mars/Base", "latitude": 91, "longitude": "east", "population": -1, "is_active": "maybe"}"#)
        #expect(fields == [
            "name": ["This field may not be blank."],
            "slug": ["Enter a valid “slug” consisting of lowercase letters, numbers and single hyphens."],
            "country_code": ["\"XX\" is not a valid choice."],
            "timezone": ["\"Mars/Base\" is not a valid choice."],
            "latitude": ["Ensure this value is less than or equal to 90."],
            "longitude": ["A valid number is required."],
            "population": ["Ensure this value is greater than or equal to 0."],
            "is_active": ["Must be a valid boolean."],
        ])
    }

    @Test func requiredFieldsAndNulls() throws {
        #expect(try errors("{}") == [
            "name": ["This field is required."], "country_code": ["This field is required."], "timezone": ["This field is required."],
        ])
        let nulls = try errors(#"{"name": null, "country_code": "FR", "timezone": "Europe/Paris", "region": null, "is_active": null}"#)
        #expect(nulls == ["name": ["This field may not be null."], "is_active": ["This field may not be null."]])
    }

    @Test func typeErrorsAndLimits() throws {
        let long = String(repeating: "a", count: 201)
        let fields = try errors(#"{"name": "\#(long)", "country_code": ["DE"], "timezone": "UTC", "population": 1.5, "region": "a\u0000b"}"#)
        #expect(fields == [
            "name": ["Ensure this field has no more than 200 characters."],
            "country_code": ["Not a valid string."],
            "population": ["A valid integer is required."],
            "region": ["Null characters are not allowed."],
        ])
        let huge = try errors(#"{"name": "X", "country_code": "DE", "timezone": "UTC", "population": 1e30}"#)
        #expect(huge == ["population": ["Ensure this value is less than or equal to 9223372036854775807."]])
    }

    /// As DRF (Python's `len`) and the database's `char_length` count: code points, not grapheme
    /// clusters — otherwise a name the serializer passes could break the `cities_name_length` CHECK.
    @Test func lengthsCountCodePoints() throws {
        let decomposedE = "e\u{301}"  // "é" as two code points
        let fits = String(repeating: decomposedE, count: 100)  // 100 characters, 200 code points
        #expect(try CitySerializer().validate(CityDraft(name: fits, countryCode: "FR", timezone: "Europe/Paris")).name == fits)
        #expect(throws: ValidationErrors(["name": ["Ensure this field has no more than 200 characters."]])) {
            try CitySerializer().validate(CityDraft(name: fits + decomposedE, countryCode: "FR", timezone: "Europe/Paris"))
        }
    }

    @Test func coordinatesComeTogether() throws {
        let fields = try errors(#"{"name": "Kiel", "country_code": "DE", "timezone": "Europe/Berlin", "latitude": 54.3}"#)
        #expect(fields == ["non_field_errors": ["latitude and longitude must be given together, or both be null."]])
    }

    @Test func nonObjectBodiesAreRejectedLikeDRF() throws {
        #expect(try errors("[1, 2]") == ["non_field_errors": ["Invalid data. Expected a dictionary, but got list."]])
        #expect(try errors("\"city\"") == ["non_field_errors": ["Invalid data. Expected a dictionary, but got str."]])
    }

    @Test func aCreateWithoutSlugLeavesItToTheStore() throws {
        let derived = try serializer.validate(json(#"{"name": "東京", "country_code": "JP", "timezone": "Asia/Tokyo"}"#))
        #expect(derived.slug == nil)
        let given = try serializer.validate(json(#"{"name": "東京", "slug": "tokyo", "country_code": "JP", "timezone": "Asia/Tokyo"}"#))
        #expect(given.slug == "tokyo")
    }

    @Test func alternateNamesAreAListOfStrings() throws {
        let draft = try serializer.validate(json(#"{"name": "Köln", "country_code": "DE", "timezone": "Europe/Berlin", "alternate_names": [" Cologne ", "Colonia", "Cologne"]}"#))
        #expect(draft.alternateNames == ["Cologne", "Colonia"], "trimmed, repeats kept once")
        #expect(try errors(#"{"name": "Köln", "country_code": "DE", "timezone": "Europe/Berlin", "alternate_names": "Cologne"}"#) == [
            "alternate_names": [#"Expected a list of items but got type "str"."#],
        ])
        #expect(try errors(#"{"name": "Köln", "country_code": "DE", "timezone": "Europe/Berlin", "alternate_names": ["ok", 3, "", null]}"#) == [
            "alternate_names": ["Item 2: This field may not be blank.", "Item 3: Not a valid string."],
        ])
        let many = "[" + Array(repeating: "\"x\"", count: 1001).joined(separator: ",") + "]"
        #expect(try errors(#"{"name": "Köln", "country_code": "DE", "timezone": "Europe/Berlin", "alternate_names": "# + many + "}") == [
            "alternate_names": ["Ensure this field has no more than 1000 elements."],
        ])
        let kept = try serializer.validate(json(#"{"population": 1}"#), instance: draft, partial: true)
        #expect(kept.alternateNames == ["Cologne", "Colonia"])
    }

    @Test func partialUpdateValidatesOnlyGivenFieldsAgainstTheInstance() throws {
        let berlin = CityDraft(slug: "berlin", name: "Berlin", countryCode: "DE", region: "Berlin", timezone: "Europe/Berlin", latitude: 52.5, longitude: 13.4, population: 3_850_000)
        let patched = try serializer.validate(json(#"{"population": 3900000, "region": null}"#), instance: berlin, partial: true)
        var expected = berlin
        expected.population = 3_900_000
        expected.region = nil
        #expect(patched == expected)
        #expect(try errors(#"{"latitude": null}"#, instance: berlin, partial: true) == [
            "non_field_errors": ["latitude and longitude must be given together, or both be null."],
        ])
        #expect(try errors(#"{"population": 1}"#, instance: berlin, partial: false)["name"] == ["This field is required."])
        let renamed = try serializer.validate(json(#"{"name": "Berlin-Mitte"}"#), instance: berlin, partial: true)
        #expect(renamed.slug == "berlin", "renaming keeps the slug, so links stay valid")
    }

    @Test func lenientScalarsAsDRFAcceptsThem() throws {
        let draft = try serializer.validate(json(#"{"name": "Graz", "country_code": "at", "timezone": "Europe/Vienna", "population": "291134", "latitude": "47.07", "longitude": 15.44, "is_active": "false"}"#))
        #expect(draft.population == 291_134)
        #expect(draft.latitude == 47.07)
        #expect(draft.isActive == false)
    }

    @Test func representationUsesSnakeCaseNullsAndUTCMicroseconds() throws {
        let city = City(
            id: 7, slug: "reykjavik", draft: CityDraft(name: "Reykjavík", countryCode: "IS", timezone: "Atlantic/Reykjavik", alternateNames: ["Reikiavik"]),
            createdAt: Date(timeIntervalSince1970: 1_790_000_000.5), updatedAt: Date(timeIntervalSince1970: 1_790_000_001.000001))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = String(decoding: try encoder.encode(serializer.representation(of: city, eventCount: 3)), as: UTF8.self)
        #expect(text == #"{"alternate_names":["Reikiavik"],"country_code":"IS","created_at":"2026-09-21T14:13:20.500000Z","event_count":3,"id":7,"is_active":true,"latitude":null,"longitude":null,"name":"Reykjavík","population":null,"region":null,"slug":"reykjavik","timezone":"Atlantic\/Reykjavik","updated_at":"2026-09-21T14:13:21.000001Z"}"#)
    }
}

@Suite struct SlugTests {
    @Test(arguments: [
        ("Düsseldorf", "dusseldorf"), ("São Paulo", "sao-paulo"), ("Łódź", "lodz"), ("Straße 1", "strasse-1"),
        ("  Frankfurt am Main ", "frankfurt-am-main"), ("Saint-Étienne", "saint-etienne"), ("København", "kobenhavn"),
        ("A -- B", "a-b"), ("Москва", "moskva"), ("東京", "dong-jing"), ("Αθήνα", "athena"), ("서울", "seoul"), ("!!!", ""),
    ])
    func derivesLowercaseASCII(_ name: String, _ slug: String) {
        #expect(Slug.derive(from: name) == slug)
        #expect(slug.isEmpty || Slug.isValid(slug))
    }

    @Test func candidatesGoFromTheNameToRegionCountryAndNumbers() {
        let richmond = Array(Slug.candidates(name: "Richmond", region: "Virginia", countryCode: "US").prefix(6))
        #expect(richmond == ["richmond", "richmond-virginia", "richmond-us", "richmond-virginia-us", "richmond-virginia-us-2", "richmond-virginia-us-3"])
        let naga = Array(Slug.candidates(name: "Naga", region: nil, countryCode: "PH").prefix(3))
        #expect(naga == ["naga", "naga-ph", "naga-ph-2"])
        let nothing = Array(Slug.candidates(name: "!!!", region: "!!", countryCode: "JP").prefix(2))
        #expect(nothing == ["city", "city-jp"])
        let long = String(repeating: "a", count: 250)
        #expect(Slug.candidates(name: long, region: nil, countryCode: "DE").prefix(20).allSatisfy(Slug.isValid))
    }

    @Test func validity() {
        #expect(Slug.isValid("new-york"))
        #expect(!Slug.isValid("New-York"))
        #expect(!Slug.isValid("new--york"))
        #expect(!Slug.isValid("-york"))
        #expect(!Slug.isValid(""))
    }
}

@Suite struct ReferenceDataTests {
    @Test func countryCodes() {
        #expect(CountryCode.isAssigned("DE"))
        #expect(CountryCode.isAssigned("JP"))
        #expect(!CountryCode.isAssigned("EU"))
        #expect(!CountryCode.isAssigned("XX"))
        #expect((240...260).contains(CountryCode.assigned.count))
    }

    @Test func timeZonesComeFromTheSystemsIANADatabase() throws {
        try TimeZoneName.requireDatabase()
        for name in ["Asia/Kolkata", "America/Argentina/Buenos_Aires", "Etc/UTC", "Europe/Berlin", "UTC", "Asia/Calcutta", "Etc/GMT+5"] {
            #expect(TimeZoneName.isValid(name), "\(name)")
        }
        #expect(!TimeZoneName.isValid("Europe/Atlantis"))
        #expect(!TimeZoneName.isValid("asia/kolkata"))
        #expect(TimeZoneName.known.count > 590, "every zone and link of tzdata (2025: 447 zones, 151 links)")
        let choices = try #require(CitySerializer.Field.timezone.choices)
        #expect(Set(choices) == TimeZoneName.known)
    }

    @Test func aMissingTimeZoneDatabaseSaysWhatToInstall() {
        let missing = URL(fileURLWithPath: "/nonexistent/zoneinfo/tzdata.zi")
        let error = #expect(throws: TimeZoneDatabaseError.self) { try TimeZoneName.load(from: missing) }
        #expect(error?.description.contains("apt-get install tzdata") == true)
    }

    @Test func timestampsRoundTrip() throws {
        let date = Date(timeIntervalSince1970: -1.25)
        #expect(ISOTimestamp.string(from: date) == "1969-12-31T23:59:58.750000Z")
        let parsed = try #require(ISOTimestamp.date(from: "2026-11-24T19:36:47.123456Z"))
        #expect(ISOTimestamp.string(from: parsed) == "2026-11-24T19:36:47.123456Z")
        #expect(ISOTimestamp.date(from: "2026-11-24T20:36:47+01:00") == ISOTimestamp.date(from: "2026-11-24T19:36:47Z"))
        #expect(ISOTimestamp.date(from: "yesterday") == nil)
    }
}
