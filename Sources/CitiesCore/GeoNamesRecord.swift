/// One line of a GeoNames dump file as published (`cities500.txt` … `cities15000.txt`,
/// `allCountries.txt`): 19 tab-separated columns, UTF-8. Only the columns the import uses are kept;
/// the numbers stay text, so that ``CitySerializer`` reads them with its rules and messages.
package struct GeoNamesRecord: Sendable, Hashable {
    package static let columnCount = 19

    package var geonameID: Int64
    package var name: String
    package var asciiName: String
    /// The `alternatenames` column as the file has it (comma-separated); empty when not read.
    package var alternateNamesColumn: String
    package var latitude: String
    package var longitude: String
    /// `P` for populated places.
    package var featureClass: String
    package var countryCode: String
    package var admin1Code: String
    package var population: String
    package var timezone: String

    /// Parses a line without its line break. `readAlternateNames: false` skips that column (when
    /// the names come from `alternateNamesV2.txt` instead).
    package init(line: ArraySlice<UInt8>, readAlternateNames: Bool = true) throws(GeoNamesLineError) {
        let columns = GeoNamesRecord.columns(of: line)
        guard columns.count == Self.columnCount else {
            throw GeoNamesLineError(field: "columns", message: "Expected \(Self.columnCount) tab-separated columns, found \(columns.count).")
        }
        func text(_ index: Int) -> String { String(decoding: columns[index], as: UTF8.self) }
        guard let id = Int64(text(0)), id > 0 else {
            throw GeoNamesLineError(field: "geonameid", message: "A valid integer is required.")
        }
        geonameID = id
        name = text(1)
        asciiName = text(2)
        alternateNamesColumn = readAlternateNames ? text(3) : ""
        latitude = text(4)
        longitude = text(5)
        featureClass = text(6)
        countryCode = text(8)
        admin1Code = text(10)
        population = text(14)
        timezone = text(17)
    }

    package init(line: String, readAlternateNames: Bool = true) throws(GeoNamesLineError) {
        try self.init(line: Array(line.utf8)[...], readAlternateNames: readAlternateNames)
    }

    /// The names of the `alternatenames` column. Split only when asked: an import reads the lines
    /// on one thread and validates the cities on all.
    package var alternateNames: [String] {
        alternateNamesColumn.utf8.split(separator: UInt8(ascii: ",")).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The population as a number, when the column holds one.
    package var populationValue: Int64? { Int64(population) }

    /// The city as `POST` would create it, validated by ``CitySerializer``: `region` is the admin1
    /// name (nil without one); GeoNames' population 0 ("unknown") becomes null; `alternateNames`
    /// (preferred first) are capped by ``GeoNamesAlternateNames/capped(_:name:asciiName:)``, and
    /// those the serializer refuses as items (too long, say) are left out rather than rejecting the city.
    package func draft(region: String?, alternateNames: [String]) throws(ValidationErrors) -> CityDraft {
        let serializer = CitySerializer()
        func fields(_ names: [String]) -> JSONValue {
            .object([
                "name": .string(name), "country_code": .string(countryCode), "region": region.map(JSONValue.string) ?? .null,
                "timezone": .string(timezone), "latitude": .string(latitude), "longitude": .string(longitude),
                "population": population == "0" ? .null : .string(population),
                "alternate_names": .array(GeoNamesAlternateNames.capped(names, name: name, asciiName: asciiName).map(JSONValue.string)),
            ])
        }
        do throws(ValidationErrors) {
            return try serializer.validate(fields(alternateNames))
        } catch where Set(error.fields.keys) == [CitySerializer.Field.alternateNames.name] {
            return try serializer.validate(fields(alternateNames.filter(CitySerializer.acceptsAlternateName)))
        }
    }

    /// The tab-separated columns of a line, a trailing carriage return dropped.
    static func columns(of line: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        var line = line
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        return line.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false)
    }
}

/// Why a GeoNames line was not read: the column (or `columns` for the line's shape) and a message.
package struct GeoNamesLineError: Error, Sendable, Hashable {
    package var field: String
    package var message: String

    package init(field: String, message: String) {
        self.field = field
        self.message = message
    }
}
