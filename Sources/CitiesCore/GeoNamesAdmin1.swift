/// One line of GeoNames' `admin1CodesASCII.txt`: `CC.code`, name, ASCII name, geonameid
/// (tab-separated). The name is what an import stores as a city's region.
package struct GeoNamesAdmin1: Sendable, Hashable {
    /// Country and admin1 code as the file writes them, e.g. `US.VA`; see ``key(countryCode:admin1Code:)``.
    package var code: String
    package var name: String

    package init(line: ArraySlice<UInt8>) throws(GeoNamesLineError) {
        let columns = GeoNamesRecord.columns(of: line)
        guard columns.count == 4 else {
            throw GeoNamesLineError(field: "columns", message: "Expected 4 tab-separated columns, found \(columns.count).")
        }
        code = String(decoding: columns[0], as: UTF8.self)
        name = String(decoding: columns[1], as: UTF8.self)
        guard code.contains("."), !name.isEmpty else {
            throw GeoNamesLineError(field: "code", message: "Expected a code like US.VA and a name.")
        }
    }

    package static func key(countryCode: String, admin1Code: String) -> String { countryCode + "." + admin1Code }
}
