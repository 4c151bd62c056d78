import ArgumentParser
import CitiesCore

extension TimeZoneName {
    /// For the commands that validate cities: without the system's time zone database they stop
    /// at once, saying what to install, instead of refusing every city.
    static func requireDatabaseForCommand() throws {
        do {
            try requireDatabase()
        } catch {
            throw ValidationError(error.description)
        }
    }
}
