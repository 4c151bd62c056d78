import Foundation

/// ISO 3166-1 alpha-2 country codes.
public enum CountryCode {
    /// Two-letter regions the locale data knows, less groupings and exceptional reservations
    /// (EU, UN, …) that are not countries.
    public static let assigned: Set<String> = {
        let notCountries: Set<String> = ["AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "ZZ"]
        return Set(Locale.Region.isoRegions.map(\.identifier).filter {
            $0.count == 2 && $0.allSatisfy { ("A"..."Z").contains($0) } && !notCountries.contains($0)
        })
    }()

    public static func isAssigned(_ code: String) -> Bool { assigned.contains(code) }
}
