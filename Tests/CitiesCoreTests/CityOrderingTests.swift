import CitiesCore
import Foundation
import Testing

@Suite struct CityOrderingTests {
    private func terms(_ parameter: String) -> [String]? {
        CityOrdering(parameter: parameter)?.terms.map { ($0.descending ? "-" : "") + $0.field.rawValue }
    }

    /// As DRF's `OrderingFilter`: split on commas, blanks stripped, invalid terms dropped, and no
    /// ordering (the view's default) when none is valid.
    @Test func readsTheParameterAsDRFsOrderingFilter() {
        #expect(terms("country_code,-population") == ["country_code", "-population"])
        #expect(terms(" -slug , id ") == ["-slug", "id"])
        #expect(terms("bogus,-created_at,,--name,event_count") == ["-created_at", "event_count"])
        #expect(terms("name,-name,population") == ["name", "population"], "a repeated field cannot change the order")
        #expect(terms("bogus") == nil)
        #expect(terms("-") == nil)
        #expect(terms(",") == nil)
        #expect(terms("Name") == nil, "field names are case-sensitive")
        for value in CityOrdering.parameterValues {
            #expect(terms(value) == [value])
        }
        #expect(CityOrdering.parameterValues.count == 14)
    }
}
