import CitiesCore
import Testing

@Suite struct GeoNamesRecordTests {
    /// Düsseldorf as `cities15000.txt` has it (GeoNames, CC BY 4.0), alternate names shortened.
    static let dusseldorf = "2934246\tDüsseldorf\tDuesseldorf\tDusseldorf,Düsseldorf,Dusseldorp,Диселдорф\t51.22172\t6.77616\tP\tPPLA\tDE\t\t07\t05111\t05111000\t05111000\t618685\t\t-9999\tEurope/Berlin\t2026-11-25"

    @Test func readsTheColumnsTheImportUses() throws {
        let record = try GeoNamesRecord(line: Self.dusseldorf)
        #expect(record.geonameID == 2_934_246)
        #expect(record.featureClass == "P")
        #expect(record.admin1Code == "07")
        #expect(record.populationValue == 618_685)
        let draft = try record.draft(region: "North Rhine-Westphalia", alternateNames: record.alternateNames)
        #expect(draft == CityDraft(
            name: "Düsseldorf", countryCode: "DE", region: "North Rhine-Westphalia", timezone: "Europe/Berlin",
            latitude: 51.22172, longitude: 6.77616, population: 618_685,
            alternateNames: ["Duesseldorf", "Dusseldorf", "Dusseldorp", "Диселдорф"]))
    }

    @Test func aLineOfAnotherShapeIsAnError() {
        #expect(throws: GeoNamesLineError(field: "columns", message: "Expected 19 tab-separated columns, found 2.")) {
            try GeoNamesRecord(line: "2934246\tDüsseldorf")
        }
        #expect(throws: GeoNamesLineError(field: "geonameid", message: "A valid integer is required.")) {
            try GeoNamesRecord(line: Self.dusseldorf.replacingOccurrences(of: "2934246", with: "-1"))
        }
    }

    @Test func unknownPopulationIsNullAndBadFieldsGetTheSerializersMessages() throws {
        let unknown = try GeoNamesRecord(line: Self.dusseldorf.replacingOccurrences(of: "\t618685\t", with: "\t0\t"))
        #expect(try unknown.draft(region: nil, alternateNames: []).population == nil)
        let calcutta = try GeoNamesRecord(line: Self.dusseldorf.replacingOccurrences(of: "Europe/Berlin", with: "Asia/Calcutta"))
        #expect(try calcutta.draft(region: nil, alternateNames: []).timezone == "Asia/Calcutta", "links of the IANA database are valid")
        let bad = try GeoNamesRecord(line: Self.dusseldorf.replacingOccurrences(of: "Europe/Berlin", with: "Europe/Atlantis"))
        #expect(throws: ValidationErrors(["timezone": ["\"Europe/Atlantis\" is not a valid choice."]])) {
            try bad.draft(region: nil, alternateNames: [])
        }
    }

    @Test func alternateNamesAreCappedWithoutTheNameAndOverlongOnesDropped() throws {
        let record = try GeoNamesRecord(line: Self.dusseldorf)
        let many = (1...1_200).map { "Name \($0)" }
        let draft = try record.draft(region: nil, alternateNames: [String(repeating: "x", count: 201), "Düsseldorf", " Name 1 "] + many)
        #expect(draft.alternateNames.count == GeoNamesAlternateNames.limit)
        #expect(Array(draft.alternateNames.prefix(3)) == ["Duesseldorf", "Name 1", "Name 2"])
    }

    @Test func alternateNameLinesRankPreferredFirstAndSkipPseudoLanguages() throws {
        let moscow = try GeoNamesAlternateName(line: "1\t524901\tru\tМосква\t1\t\t\t\t\t")
        #expect(moscow.geonameID == 524_901 && moscow.isName && moscow.rank == 0)
        let calcutta = try GeoNamesAlternateName(line: "9\t1275004\ten\tCalcutta\t\t\t\t1\t\t")
        #expect(try calcutta.rank > GeoNamesAlternateName(line: "3\t524901\tde\tMoskau\t\t\t\t\t\t").rank)
        #expect(try !GeoNamesAlternateName(line: "5\t524901\tlink\thttps://en.wikipedia.org/wiki/Moscow\t\t\t\t\t\t").isName)
        #expect(GeoNamesAlternateName.geonameID(ofLine: Array("5\t524901\tlink\tx".utf8)[...]) == 524_901)
        #expect(GeoNamesAlternateName.geonameID(ofLine: Array("no tabs".utf8)[...]) == nil)
    }
}
