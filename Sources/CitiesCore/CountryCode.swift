import Foundation

/// ISO 3166-1 alpha-2 country codes.
package enum CountryCode {
    /// Two-letter regions the locale data knows, less groupings and exceptional reservations
    /// (EU, UN, …) that are not countries.
    package static let assigned: Set<String> = {
        let notCountries: Set<String> = ["AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "ZZ"]
        return Set(Locale.Region.isoRegions.map(\.identifier).filter {
            $0.count == 2 && $0.allSatisfy { ("A"..."Z").contains($0) } && !notCountries.contains($0)
        })
    }()

    package static func isAssigned(_ code: String) -> Bool { assigned.contains(code) }
}
