import CitiesCore
import Foundation

/// Renders for `scripts/benchmark`: the same representations encoded by Foundation's `JSONEncoder`
/// (what citiesd used before) and by ``JSONWriter`` (what it uses now), alternating in one run, with
/// the medians and their ratio. The bodies are checked equal before anything is timed.
///
///     RenderBenchmark [rounds]
@main
struct RenderBenchmark {
    static func main() throws {
        let rounds = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 300
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let serializer = CitySerializer()
        let cities = (1...1_000).map { index in serializer.representation(of: city(index), eventCount: index * 37 % 5_000) }
        let page = Array(cities.prefix(100))
        let counts = cities.map { CityEventCount(id: $0.id, slug: $0.slug, name: $0.name, eventCount: $0.eventCount) }

        print("| body | JSONEncoder median | JSONWriter median | ratio |")
        print("|---|---|---|---|")
        try compare("W1: a page of 100 cities", page, encoder: encoder, rounds: rounds)
        try compare("W2: 1,000 event-count rows", counts, encoder: encoder, rounds: rounds)
        try compare("1,000 cities", cities, encoder: encoder, rounds: max(rounds / 5, 20))
    }

    /// A city with every kind of field: escapes, non-ASCII, nulls, fractions, alternate names.
    static func city(_ index: Int) -> City {
        let draft = CityDraft(
            name: "City \(index) — Ünïcode \"quoted\"", countryCode: "DE", region: index % 3 == 0 ? nil : "Region \(index % 17)",
            timezone: "Europe/Berlin", latitude: 48.137154 + Double(index) / 1000, longitude: 11.576124 - Double(index) / 700,
            population: index % 5 == 0 ? nil : Int64(index * 1_234), isActive: index % 11 != 0,
            alternateNames: index % 2 == 0 ? ["Stadt \(index)", "Ciudad \(index)"] : [])
        let created = Date(timeIntervalSince1970: 1_700_000_000 + Double(index) * 3.7)
        return City(id: Int64(index), slug: "city-\(index)", draft: draft, createdAt: created, updatedAt: created + 86_400.25)
    }

    static func compare<Body: Encodable & JSONWritable>(_ name: String, _ body: Body, encoder: JSONEncoder, rounds: Int) throws {
        guard try Array(encoder.encode(body)) == JSONWriter.bytes(of: body) else {
            throw NSError(domain: "RenderBenchmark", code: 1, userInfo: [NSLocalizedDescriptionKey: "\(name): the two bodies differ"])
        }
        var foundation: [Duration] = []
        var writer: [Duration] = []
        let clock = ContinuousClock()
        var bytes = 0
        for _ in 0..<rounds {
            foundation.append(try clock.measure { bytes &+= try encoder.encode(body).count })
            writer.append(clock.measure { bytes &+= JSONWriter.bytes(of: body, reservingCapacity: 4096).count })
        }
        let a = median(foundation), b = median(writer)
        print("| \(name) (\(bytes / rounds / 2) B) | \(format(a)) | \(format(b)) | \(String(format: "%.1f×", a / b)) |")
    }

    static func median(_ durations: [Duration]) -> Double {
        let seconds = durations.map { Double($0.components.seconds) + Double($0.components.attoseconds) * 1e-18 }.sorted()
        return seconds[seconds.count / 2]
    }

    static func format(_ seconds: Double) -> String {
        seconds >= 1e-3 ? String(format: "%.2f ms", seconds * 1e3) : String(format: "%.1f µs", seconds * 1e6)
    }
}
