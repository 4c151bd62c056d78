import Foundation

/// IANA time zone names (`Europe/Berlin`, `UTC`).
public enum TimeZoneName {
    public static let known: Set<String> = Set(TimeZone.knownTimeZoneIdentifiers).union(["UTC"])

    public static func isValid(_ name: String) -> Bool { known.contains(name) }
}
