import CitiesCore
import CitiesPG
import Foundation

/// Sample cities and events for the embedded development database, loaded through COPY.
enum SampleData {
    struct City {
        let slug: String
        let name: String
        let countryCode: String
        let region: String?
        let timezone: String
        let latitude: Double
        let longitude: Double
        let population: Int
    }

    static let cities: [City] = [
        City(slug: "berlin", name: "Berlin", countryCode: "DE", region: "Berlin", timezone: "Europe/Berlin", latitude: 52.52, longitude: 13.405, population: 3_850_809),
        City(slug: "dusseldorf", name: "Düsseldorf", countryCode: "DE", region: "North Rhine-Westphalia", timezone: "Europe/Berlin", latitude: 51.2277, longitude: 6.7735, population: 629_047),
        City(slug: "munchen", name: "München", countryCode: "DE", region: "Bavaria", timezone: "Europe/Berlin", latitude: 48.1351, longitude: 11.582, population: 1_512_491),
        City(slug: "koln", name: "Köln", countryCode: "DE", region: "North Rhine-Westphalia", timezone: "Europe/Berlin", latitude: 50.9375, longitude: 6.9603, population: 1_084_831),
        City(slug: "paris", name: "Paris", countryCode: "FR", region: "Île-de-France", timezone: "Europe/Paris", latitude: 48.8566, longitude: 2.3522, population: 2_102_650),
        City(slug: "lyon", name: "Lyon", countryCode: "FR", region: "Auvergne-Rhône-Alpes", timezone: "Europe/Paris", latitude: 45.764, longitude: 4.8357, population: 522_250),
        City(slug: "zurich", name: "Zürich", countryCode: "CH", region: "Zürich", timezone: "Europe/Zurich", latitude: 47.3769, longitude: 8.5417, population: 421_878),
        City(slug: "wien", name: "Wien", countryCode: "AT", region: "Wien", timezone: "Europe/Vienna", latitude: 48.2082, longitude: 16.3738, population: 1_982_097),
        City(slug: "amsterdam", name: "Amsterdam", countryCode: "NL", region: "North Holland", timezone: "Europe/Amsterdam", latitude: 52.3676, longitude: 4.9041, population: 918_117),
        City(slug: "london", name: "London", countryCode: "GB", region: "England", timezone: "Europe/London", latitude: 51.5072, longitude: -0.1276, population: 8_866_180),
        City(slug: "madrid", name: "Madrid", countryCode: "ES", region: "Community of Madrid", timezone: "Europe/Madrid", latitude: 40.4168, longitude: -3.7038, population: 3_332_035),
        City(slug: "sao-paulo", name: "São Paulo", countryCode: "BR", region: "São Paulo", timezone: "America/Sao_Paulo", latitude: -23.5558, longitude: -46.6396, population: 11_451_245),
        City(slug: "new-york", name: "New York", countryCode: "US", region: "New York", timezone: "America/New_York", latitude: 40.7128, longitude: -74.006, population: 8_258_035),
        City(slug: "tokyo", name: "東京", countryCode: "JP", region: "Tokyo", timezone: "Asia/Tokyo", latitude: 35.6762, longitude: 139.6503, population: 14_094_034),
        City(slug: "reykjavik", name: "Reykjavík", countryCode: "IS", region: nil, timezone: "Atlantic/Reykjavik", latitude: 64.1466, longitude: -21.9426, population: 139_875),
    ]

    static let categories = ["concert", "theatre", "festival", "sports", "exhibition", "comedy"]

    /// Loads the sample set when the `cities` table is empty; returns what it loaded, or nil.
    static func loadIfEmpty(on connection: PostgresConnection, now: Date) throws -> (cities: Int, events: Int)? {
        try connection.transaction {
            try connection.execute(script: "LOCK TABLE cities IN SHARE ROW EXCLUSIVE MODE")
            guard try connection.query("SELECT count(*) FROM cities").first?.decode(Int.self, at: 0) == 0 else { return nil }
            let cityRows: [[String?]] = cities.map { city in
                [city.slug, city.name, SearchText.fold(city.name), city.countryCode, city.region, city.timezone,
                 "\(city.latitude)", "\(city.longitude)", "\(city.population)"]
            }
            try connection.copy(
                "COPY cities (slug, name, search_name, country_code, region, timezone, latitude, longitude, population) FROM STDIN",
                rows: cityRows)
            let ids = try connection.query("SELECT slug, id FROM cities").rows.reduce(into: [String: Int]()) { ids, row in
                ids[try row.decode(String.self, at: 0)] = try row.decode(Int.self, at: 1)
            }
            let eventRows = events(cityIDs: cities.compactMap { ids[$0.slug] }, now: now)
            let events = try connection.copy(
                "COPY events (external_id, city_id, category, starts_at, ends_at, status) FROM STDIN", rows: eventRows)
            return (cities.count, events)
        }
    }

    /// A deterministic spread of past, current and future events; earlier cities get more.
    static func events(cityIDs: [Int], now: Date) -> [[String?]] {
        let day = 86_400.0
        let formatter = ISO8601DateFormatter()
        var rows: [[String?]] = []
        for (rank, cityID) in cityIDs.enumerated() {
            for index in 0..<(60 / (rank + 1) + 2) {
                let offsetDays = Double((index * 37 + rank * 11) % 150) - 30
                let starts = now.addingTimeInterval(offsetDays * day + Double(index % 12) * 3600)
                let ends = starts.addingTimeInterval(Double(2 + index % 5) * 3600)
                rows.append([
                    "sample-\(cityID)-\(index)", "\(cityID)", categories[(index + rank) % categories.count],
                    formatter.string(from: starts), formatter.string(from: ends),
                    index % 9 == 8 ? "cancelled" : "scheduled",
                ])
            }
        }
        return rows
    }
}
