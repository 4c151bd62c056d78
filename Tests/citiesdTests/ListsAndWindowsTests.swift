import CitiesCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import citiesd

/// `ordering` as DRF's OrderingFilter reads it.
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
}
