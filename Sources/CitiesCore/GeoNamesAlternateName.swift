/// One line of GeoNames' `alternateNamesV2.txt`: alternateNameId, geonameid, isolanguage, alternate
/// name, isPreferredName, isShortName, isColloquial, isHistoric, from, to (tab-separated; the older
/// `alternateNames.txt` stops after isHistoric).
package struct GeoNamesAlternateName: Sendable, Hashable {
    /// "Languages" that are not names: links, postal codes, airport and other codes, Wikidata ids,
    /// abbreviations, French revolutionary names.
    package static let pseudoLanguages: Set<String> = ["link", "post", "iata", "icao", "faac", "wkdt", "fr_1793", "abbr", "unlc"]

    package var geonameID: Int64
    package var language: String
    package var name: String
    package var isPreferred: Bool
    package var isShort: Bool
    package var isColloquial: Bool
    package var isHistoric: Bool

    package init(line: ArraySlice<UInt8>) throws(GeoNamesLineError) {
        let columns = GeoNamesRecord.columns(of: line)
        guard columns.count >= 8 else {
            throw GeoNamesLineError(field: "columns", message: "Expected 8 to 10 tab-separated columns, found \(columns.count).")
        }
        guard let id = Self.geonameID(ofColumn: columns[1]) else {
            throw GeoNamesLineError(field: "geonameid", message: "A valid integer is required.")
        }
        geonameID = id
        language = String(decoding: columns[2], as: UTF8.self)
        name = String(decoding: columns[3], as: UTF8.self)
        isPreferred = columns[4].elementsEqual([UInt8(ascii: "1")])
        isShort = columns[5].elementsEqual([UInt8(ascii: "1")])
        isColloquial = columns[6].elementsEqual([UInt8(ascii: "1")])
        isHistoric = columns[7].elementsEqual([UInt8(ascii: "1")])
    }

    package init(line: String) throws(GeoNamesLineError) {
        try self.init(line: Array(line.utf8)[...])
    }

    /// The geonameid of a line, read without splitting the rest: the file has millions of lines and
    /// an import keeps only those of the cities it imports. nil when the line has no such column.
    package static func geonameID(ofLine line: ArraySlice<UInt8>) -> Int64? {
        guard let firstTab = line.firstIndex(of: UInt8(ascii: "\t")) else { return nil }
        let rest = line[(firstTab + 1)...]
        return geonameID(ofColumn: rest[..<(rest.firstIndex(of: UInt8(ascii: "\t")) ?? rest.endIndex)])
    }

    private static func geonameID(ofColumn column: ArraySlice<UInt8>) -> Int64? {
        guard !column.isEmpty, column.count <= 18 else { return nil }
        var value: Int64 = 0
        for byte in column {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return value > 0 ? value : nil
    }

    /// Whether an import keeps the name: not a pseudo-language's, not blank.
    package var isName: Bool { !Self.pseudoLanguages.contains(language) && !name.allSatisfy(\.isWhitespace) }

    /// Order of preference: preferred, short, plain, colloquial, historic names.
    package var rank: Int {
        if isPreferred { return 0 }
        if isShort { return 1 }
        if isHistoric { return 4 }
        if isColloquial { return 3 }
        return 2
    }
}
