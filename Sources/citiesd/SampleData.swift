import CitiesCore
import CitiesPG
import Foundation

/// Sample cities and events for the embedded development database, loaded through COPY.
enum SampleData {
    static let cities: [CityDraft] = [
        CityDraft(slug: "berlin", name: "Berlin", countryCode: "DE", region: "Berlin", timezone: "Europe/Berlin", latitude: 52.52, longitude: 13.405, population: 3_850_809),
        CityDraft(slug: "dusseldorf", name: "Düsseldorf", countryCode: "DE", region: "North Rhine-Westphalia", timezone: "Europe/Berlin", latitude: 51.2277, longitude: 6.7735, population: 629_047),
        CityDraft(slug: "munchen", name: "München", countryCode: "DE", region: "Bavaria", timezone: "Europe/Berlin", latitude: 48.1351, longitude: 11.582, population: 1_512_491, alternateNames: ["Munich", "Monaco di Baviera"]),
        CityDraft(slug: "koln", name: "Köln", countryCode: "DE", region: "North Rhine-Westphalia", timezone: "Europe/Berlin", latitude: 50.9375, longitude: 6.9603, population: 1_084_831, alternateNames: ["Cologne", "Colonia"]),
        CityDraft(slug: "paris", name: "Paris", countryCode: "FR", region: "Île-de-France", timezone: "Europe/Paris", latitude: 48.8566, longitude: 2.3522, population: 2_102_650),
        CityDraft(slug: "lyon", name: "Lyon", countryCode: "FR", region: "Auvergne-Rhône-Alpes", timezone: "Europe/Paris", latitude: 45.764, longitude: 4.8357, population: 522_250),
        CityDraft(slug: "zurich", name: "Zürich", countryCode: "CH", region: "Zürich", timezone: "Europe/Zurich", latitude: 47.3769, longitude: 8.5417, population: 421_878),
        CityDraft(slug: "wien", name: "Wien", countryCode: "AT", region: "Wien", timezone: "Europe/Vienna", latitude: 48.2082, longitude: 16.3738, population: 1_982_097),
        CityDraft(slug: "amsterdam", name: "Amsterdam", countryCode: "NL", region: "North Holland", timezone: "Europe/Amsterdam", latitude: 52.3676, longitude: 4.9041, population: 918_117),
        CityDraft(slug: "london", name: "London", countryCode: "GB", region: "England", timezone: "Europe/London", latitude: 51.5072, longitude: -0.1276, population: 8_866_180),
        CityDraft(slug: "madrid", name: "Madrid", countryCode: "ES", region: "Community of Madrid", timezone: "Europe/Madrid", latitude: 40.4168, longitude: -3.7038, population: 3_332_035),
        CityDraft(slug: "sao-paulo", name: "São Paulo", countryCode: "BR", region: "São Paulo", timezone: "America/Sao_Paulo", latitude: -23.5558, longitude: -46.6396, population: 11_451_245),
        CityDraft(slug: "new-york", name: "New York", countryCode: "US", region: "New York", timezone: "America/New_York", latitude: 40.7128, longitude: -74.006, population: 8_258_035),
        CityDraft(slug: "tokyo", name: "東京", countryCode: "JP", region: "Tokyo", timezone: "Asia/Tokyo", latitude: 35.6762, longitude: 139.6503, population: 14_094_034, alternateNames: ["Tokyo", "Tokio"]),
        CityDraft(slug: "reykjavik", name: "Reykjavík", countryCode: "IS", region: nil, timezone: "Atlantic/Reykjavik", latitude: 64.1466, longitude: -21.9426, population: 139_875),
        CityDraft(slug: "hamburg", name: "Hamburg", countryCode: "DE", region: "Hamburg", timezone: "Europe/Berlin", latitude: 53.5511, longitude: 9.9937, population: 1_892_122),
        CityDraft(slug: "frankfurt-am-main", name: "Frankfurt am Main", countryCode: "DE", region: "Hesse", timezone: "Europe/Berlin", latitude: 50.1109, longitude: 8.6821, population: 773_068),
        CityDraft(slug: "stuttgart", name: "Stuttgart", countryCode: "DE", region: "Baden-Württemberg", timezone: "Europe/Berlin", latitude: 48.7758, longitude: 9.1829, population: 632_865),
        CityDraft(slug: "leipzig", name: "Leipzig", countryCode: "DE", region: "Saxony", timezone: "Europe/Berlin", latitude: 51.3397, longitude: 12.3731, population: 616_093),
        CityDraft(slug: "dresden", name: "Dresden", countryCode: "DE", region: "Saxony", timezone: "Europe/Berlin", latitude: 51.0504, longitude: 13.7373, population: 563_311),
        CityDraft(slug: "nurnberg", name: "Nürnberg", countryCode: "DE", region: "Bavaria", timezone: "Europe/Berlin", latitude: 49.4521, longitude: 11.0767, population: 523_026),
        CityDraft(slug: "marseille", name: "Marseille", countryCode: "FR", region: "Provence-Alpes-Côte d'Azur", timezone: "Europe/Paris", latitude: 43.2965, longitude: 5.3698, population: 873_076),
        CityDraft(slug: "geneve", name: "Genève", countryCode: "CH", region: "Geneva", timezone: "Europe/Zurich", latitude: 46.2044, longitude: 6.1432, population: 203_856),
        CityDraft(slug: "graz", name: "Graz", countryCode: "AT", region: "Styria", timezone: "Europe/Vienna", latitude: 47.0707, longitude: 15.4395, population: 298_479),
        CityDraft(slug: "rotterdam", name: "Rotterdam", countryCode: "NL", region: "South Holland", timezone: "Europe/Amsterdam", latitude: 51.9244, longitude: 4.4777, population: 664_311),
        CityDraft(slug: "bruxelles", name: "Bruxelles", countryCode: "BE", region: "Brussels-Capital", timezone: "Europe/Brussels", latitude: 50.8503, longitude: 4.3517, population: 1_249_597),
        CityDraft(slug: "kobenhavn", name: "København", countryCode: "DK", region: "Capital Region", timezone: "Europe/Copenhagen", latitude: 55.6761, longitude: 12.5683, population: 660_842),
        CityDraft(slug: "stockholm", name: "Stockholm", countryCode: "SE", region: "Stockholm County", timezone: "Europe/Stockholm", latitude: 59.3293, longitude: 18.0686, population: 984_748),
        CityDraft(slug: "oslo", name: "Oslo", countryCode: "NO", region: "Oslo", timezone: "Europe/Oslo", latitude: 59.9139, longitude: 10.7522, population: 717_710),
        CityDraft(slug: "warszawa", name: "Warszawa", countryCode: "PL", region: "Masovian", timezone: "Europe/Warsaw", latitude: 52.2297, longitude: 21.0122, population: 1_861_975),
        CityDraft(slug: "krakow", name: "Kraków", countryCode: "PL", region: "Lesser Poland", timezone: "Europe/Warsaw", latitude: 50.0647, longitude: 19.945, population: 804_237),
        CityDraft(slug: "praha", name: "Praha", countryCode: "CZ", region: "Prague", timezone: "Europe/Prague", latitude: 50.0755, longitude: 14.4378, population: 1_357_326),
        CityDraft(slug: "barcelona", name: "Barcelona", countryCode: "ES", region: "Catalonia", timezone: "Europe/Madrid", latitude: 41.3874, longitude: 2.1686, population: 1_660_122),
        CityDraft(slug: "lisboa", name: "Lisboa", countryCode: "PT", region: "Lisbon", timezone: "Europe/Lisbon", latitude: 38.7223, longitude: -9.1393, population: 548_703),
        CityDraft(slug: "roma", name: "Roma", countryCode: "IT", region: "Lazio", timezone: "Europe/Rome", latitude: 41.9028, longitude: 12.4964, population: 2_755_309),
        CityDraft(slug: "milano", name: "Milano", countryCode: "IT", region: "Lombardy", timezone: "Europe/Rome", latitude: 45.4642, longitude: 9.19, population: 1_371_498),
        CityDraft(slug: "moskva", name: "Москва", countryCode: "RU", region: "Moscow", timezone: "Europe/Moscow", latitude: 55.7558, longitude: 37.6173, population: 13_010_112, alternateNames: ["Moscow", "Moskau", "Moscou"]),
        CityDraft(slug: "dublin", name: "Dublin", countryCode: "IE", region: "Leinster", timezone: "Europe/Dublin", latitude: 53.3498, longitude: -6.2603, population: 592_713),
    ]

    static let categories = ["concert", "theatre", "festival", "sports", "exhibition", "comedy"]

    /// Loads the sample set when the `cities` table is empty; returns what it loaded, or nil.
    static func loadIfEmpty(on connection: PGConnection, now: Date) throws -> (cities: Int, events: Int)? {
        try connection.transaction {
            try connection.execute(script: "LOCK TABLE cities IN SHARE ROW EXCLUSIVE MODE")
            guard try connection.query("SELECT count(*) FROM cities").first?.decode(Int.self, at: 0) == 0 else { return nil }
            let cityRows: [[String?]] = cities.map { city in
                [city.slug, city.name, SearchText.document(of: city, slug: city.slug!), city.countryCode, city.region, city.timezone,
                 city.latitude.map { "\($0)" }, city.longitude.map { "\($0)" }, city.population.map { "\($0)" },
                 PGArrayLiteral(city.alternateNames).text]
            }
            try connection.copy(
                "COPY cities (slug, name, search_name, country_code, region, timezone, latitude, longitude, population, alternate_names) FROM STDIN",
                rows: cityRows)
            let ids = try connection.query("SELECT slug, id FROM cities").rows.reduce(into: [String: Int]()) { ids, row in
                ids[try row.decode(String.self, at: 0)] = try row.decode(Int.self, at: 1)
            }
            let eventRows = events(cityIDs: cities.compactMap { $0.slug.flatMap { ids[$0] } }, now: now)
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
