import CitiesCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import citiesd

/// `ordering` as DRF's OrderingFilter reads it, and count windows open at either end or given as dates.
@Suite struct ListsAndWindowsTests {
    private func slugs(_ api: APITestContext, _ query: String) async throws -> [String] {
        let response = try await api.request("/ws/cities/?\(query)")
        #expect(response.status == .ok, "\(query)")
        guard case .array(let results) = try object(response)["results"] else { return [] }
        return results.compactMap { if case .object(let city) = $0, case .string(let slug) = city["slug"] { slug } else { nil } }
    }

    @Test func orderingTakesEveryFieldSeveralFieldsAndIgnoresUnknownOnes() async throws {
        try await withAPI { api in
            for (name, country, population) in [("Bonn", "DE", "330000"), ("Aarau", "CH", "null"), ("Celle", "DE", "null"), ("Zug", "CH", "31000")] {
                let created = try await api.write("/ws/cities/", .post, json: """
                    {"name": "\(name)", "country_code": "\(country)", "timezone": "Europe/Berlin", "population": \(population)}
                    """)
                #expect(created.status == .created)
            }
            #expect(try await slugs(api, "ordering=-id") == ["zug", "celle", "aarau", "bonn"])
            #expect(try await slugs(api, "ordering=-slug") == ["zug", "celle", "bonn", "aarau"])
            #expect(try await slugs(api, "ordering=country_code") == ["aarau", "zug", "bonn", "celle"], "ties by id")
            #expect(try await slugs(api, "ordering=country_code,-population") == ["aarau", "zug", "celle", "bonn"], "NULL first descending")
            #expect(try await slugs(api, "ordering=population") == ["zug", "bonn", "aarau", "celle"], "NULL last ascending")
            #expect(try await slugs(api, "ordering=%20-country_code%20,%20name") == ["bonn", "celle", "aarau", "zug"])
            #expect(try await slugs(api, "ordering=bogus,-name") == ["zug", "celle", "bonn", "aarau"], "unknown terms are dropped")
            #expect(try await slugs(api, "ordering=bogus") == ["aarau", "bonn", "celle", "zug"], "none left: by name")
            #expect(try await slugs(api, "ordering=-Name") == ["aarau", "bonn", "celle", "zug"])
        }
    }

    @Test func countWindowsMayBeOpenAndTakeDatesAlone() async throws {
        try await withAPI { api in
            let city = try object(try await api.write("/ws/cities/", .post, json: düsseldorf))
            guard case .integer(let id) = city["id"] else { Issue.record("\(city)"); return }
            let now = ISOTimestamp.string(from: Date())
            let inAnHour = ISOTimestamp.string(from: Date() + 3600)
            let upsert = try await api.write("/ws/cities/events/", .put, json: """
                [{"id": "running", "city": \(id), "category": "concert", "starts_at": "\(now)", "ends_at": "\(inAnHour)"},
                 {"id": "first", "city": \(id), "category": "concert", "starts_at": "2100-03-01T10:00:00Z", "ends_at": "2100-03-01T12:00:00Z"},
                 {"id": "second", "city": \(id), "category": "concert", "starts_at": "2100-03-02T00:00:00Z", "ends_at": "2100-03-02T01:00:00Z"}]
                """)
            #expect(upsert.status == .ok)
            func count(_ query: String) async throws -> JSONValue? {
                let response = try await api.request("/ws/cities/event-counts/?\(query)")
                #expect(response.status == .ok, "\(query)")
                guard case .array(let rows) = try decode(response), case .object(let row) = rows.first else { return nil }
                return row["event_count"]
            }
            #expect(try await count("") == .integer(3))
            #expect(try await count("from=2100-03-02") == .integer(1), "from alone: ending after it, no upper bound")
            #expect(try await count("from=2100-03-01T11:00:00Z") == .integer(2))
            #expect(try await count("to=2100-03-02") == .integer(2), "to alone: from now, starting before it")
            #expect(try await count("to=2100-03-02T00:00:01Z") == .integer(3))
            #expect(try await count("from=2100-03-01&to=2100-03-02") == .integer(1))
            let dates = try await api.request("/ws/cities/event-counts/?from=2100-03-01&to=2100-03-02")
            let dateTimes = try await api.request("/ws/cities/event-counts/?from=2100-03-01T00:00:00Z&to=2100-03-02T00:00:00Z")
            #expect(dates.body == dateTimes.body)

            let errors: [(String, [String: JSONValue])] = [
                ("from=2100-02-30", ["from": ["Enter a valid date/time."]]),
                ("to=tomorrow", ["to": ["Enter a valid date/time."]]),
                ("from=2100-03-01T00:00:00", ["from": ["Enter a valid date/time."]]),
                ("from=2100-03-02&to=2100-03-01", ["to": ["Ensure to is later than from."]]),
                ("from=2100-03-01&to=2100-03-01T00:00:00Z", ["to": ["Ensure to is later than from."]]),
            ]
            for (query, expected) in errors {
                let response = try await api.request("/ws/cities/event-counts/?\(query)")
                #expect(response.status == .badRequest, "\(query)")
                #expect(try decode(response) == .object(expected), "\(query)")
            }
        }
    }

    @Test func histogramsNeedBothEndsAndTakeDatesAlone() async throws {
        try await withAPI { api in
            let city = try object(try await api.write("/ws/cities/", .post, json: düsseldorf))
            guard case .integer(let id) = city["id"] else { Issue.record("\(city)"); return }
            #expect(try await api.write("/ws/cities/events/", .put, json: """
                [{"id": "first", "city": \(id), "category": "concert", "starts_at": "2100-03-01T10:00:00Z", "ends_at": "2100-03-01T12:00:00Z"}]
                """).status == .ok)
            let histogram = try object(try await api.request("/ws/cities/\(id)/event-counts/?interval=day&from=2100-03-01&to=2100-03-03"))
            #expect(histogram["from"] == .string("2100-03-01T00:00:00.000000Z"))
            #expect(histogram["to"] == .string("2100-03-03T00:00:00.000000Z"))
            guard case .array(let buckets) = histogram["results"] else { Issue.record("\(histogram)"); return }
            #expect(buckets.map { bucket -> JSONValue? in if case .object(let fields) = bucket { fields["count"] } else { nil } } == [.integer(1), .integer(0)])

            let required: JSONValue = ["This field is required."]
            let errors: [(String, [String: JSONValue])] = [
                ("interval=day&from=2100-03-01", ["to": required]),
                ("interval=day&to=2100-03-01", ["from": required]),
                ("interval=day", ["from": required, "to": required]),
                ("interval=day&from=soon", ["from": ["Enter a valid date/time."], "to": required]),
            ]
            for (query, expected) in errors {
                let response = try await api.request("/ws/cities/\(id)/event-counts/?\(query)")
                #expect(response.status == .badRequest, "\(query)")
                #expect(try decode(response) == .object(expected), "\(query)")
            }
        }
    }
}
