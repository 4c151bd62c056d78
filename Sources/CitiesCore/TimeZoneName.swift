import Foundation

/// IANA time zone names (`Europe/Berlin`, `Asia/Kolkata`, `Etc/UTC`, and links such as `UTC` or
/// `Asia/Calcutta`), read from the time zone database the system ships: tzdata's `tzdata.zi` under
/// `TZDIR`, else `/usr/share/zoneinfo`. Every zone and every link it names is valid. Validation,
/// `OPTIONS` choices and the OpenAPI document all read ``known``.
package enum TimeZoneName {
    package static var known: Set<String> { (try? database.get()) ?? [] }

    /// The names, or why they could not be read: check it at start-up (``requireDatabase()``).
    package static let database: Result<Set<String>, TimeZoneDatabaseError> = Result { () throws(TimeZoneDatabaseError) in try load(from: databaseFile) }

    package static func isValid(_ name: String) -> Bool { known.contains(name) }

    /// Throws, with what to do, when the system has no time zone database.
    package static func requireDatabase() throws(TimeZoneDatabaseError) { _ = try database.get() }

    static var databaseFile: URL {
        let directory = ProcessInfo.processInfo.environment["TZDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/usr/share/zoneinfo"
        return URL(fileURLWithPath: directory).appendingPathComponent("tzdata.zi")
    }

    /// The zone (`Z name …`) and link (`L target name`) lines of a `tzdata.zi` file.
    static func load(from file: URL) throws(TimeZoneDatabaseError) -> Set<String> {
        guard let data = FileManager.default.contents(atPath: file.path), let text = String(data: data, encoding: .utf8) else {
            throw TimeZoneDatabaseError(path: file.path, reason: "cannot be read")
        }
        var names: Set<String> = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.first == "Z", fields.count >= 2 { names.insert(String(fields[1])) }
            if fields.first == "L", fields.count >= 3 { names.insert(String(fields[2])) }
        }
        guard !names.isEmpty else { throw TimeZoneDatabaseError(path: file.path, reason: "names no zones") }
        return names
    }
}

package struct TimeZoneDatabaseError: Error, Sendable, CustomStringConvertible {
    package var path: String
    package var reason: String

    package var description: String {
        "the IANA time zone database \(path) \(reason): install the system's tzdata package (Debian: apt-get install tzdata) or point TZDIR at a zoneinfo folder that has tzdata.zi"
    }
}
