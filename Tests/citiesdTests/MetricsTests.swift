import CitiesCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import citiesd

/// One sample of an exposition: `name{label="value",…} value`.
struct MetricSample: Equatable {
    let name: String
    let labels: [String: String]
    let value: Double
}

/// Prometheus' text format, read strictly enough to fail on what Prometheus would reject: every
/// sample belongs to a `# TYPE`d family, names and label names are valid, values are numbers.
struct Exposition {
    var types: [String: String] = [:]
    var samples: [MetricSample] = []

    struct Malformed: Error, CustomStringConvertible {
        let line: String
        var description: String { "not Prometheus text format: \(line)" }
    }

    init(_ text: String) throws {
        let name = #"[a-zA-Z_:][a-zA-Z0-9_:]*"#
        for line in text.split(separator: "\n").map(String.init) {
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ").map(String.init)
                guard parts.count == 4, parts[2].wholeMatch(of: try Regex(name)) != nil,
                      ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[3]) else { throw Malformed(line: line) }
                types[parts[2]] = parts[3]
                continue
            }
            if line.hasPrefix("#") { continue }
            guard let match = line.wholeMatch(of: try Regex("(\(name))(?:\\{(.*)\\})? (\\S+)")),
                  let sampleName = match[1].substring.map(String.init), let valueText = match[3].substring,
                  let value = Double(valueText) ?? (valueText == "+Inf" ? .infinity : nil) else { throw Malformed(line: line) }
            var labels: [String: String] = [:]
            if let labelText = match[2].substring, !labelText.isEmpty {
                for pair in labelText.split(separator: ",") {
                    guard let pairMatch = String(pair).wholeMatch(of: try Regex(#"([a-zA-Z_][a-zA-Z0-9_]*)="([^"\\]*)""#)),
                          let key = pairMatch[1].substring, let labelValue = pairMatch[2].substring else { throw Malformed(line: line) }
                    labels[String(key)] = String(labelValue)
                }
            }
            let family = ["_bucket", "_sum", "_count"].first { sampleName.hasSuffix($0) && types[String(sampleName.dropLast($0.count))] == "histogram" }
                .map { String(sampleName.dropLast($0.count)) } ?? sampleName
            guard types[family] != nil else { throw Malformed(line: line) }
            samples.append(MetricSample(name: sampleName, labels: labels, value: value))
        }
    }

    /// The value of the one sample named `name` whose labels include `labels`.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        let matching = samples.filter { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }
        return matching.count == 1 ? matching[0].value : nil
    }
}

@Suite struct MetricsTests {
    /// Requests through the real router and a real PostgreSQL show in the exposition by route
    /// template, with the pool, the counts feed, the response cache and ingest; every family is
    /// named the way Prometheus asks (`_total` counters, `_seconds` durations, base units).
    @Test func requestsPoolCountsCacheAndIngestShowInTheExposition() async throws {
        let metrics = ServiceMetrics()
        try await withAPI(metrics: metrics) { api in
            let created = try object(try await api.write("/ws/cities/", .post, json: düsseldorf))
            guard case .integer(let id) = created["id"] else { Issue.record("no id in \(created)"); return }
            for _ in 0..<2 { #expect(try await api.request("/ws/cities/\(id)/").status == .ok) }
            #expect(try await api.request("/ws/cities/987654321/").status == .notFound)
            #expect(try await api.request("/elsewhere").status == .notFound)
            let events = #"[{"id": "m1", "city": \#(id), "category": "concert", "starts_at": "2030-01-01T20:00:00Z", "ends_at": "2030-01-01T23:00:00Z"},"#
                + #"{"id": "m2", "city": \#(id), "category": "theatre", "starts_at": "2030-01-02T20:00:00Z", "ends_at": "2030-01-02T23:00:00Z"}]"#
            for _ in 0..<2 { #expect(try await api.write("/ws/cities/events/", .put, json: events).status == .ok) }

            let exposition = try Exposition(String(decoding: metrics.exposition(), as: UTF8.self))
            let detail = "/ws/cities/{id}"
            #expect(exposition.value("citiesd_http_requests_total", ["route": detail, "method": "GET", "status_class": "2xx"]) == 2)
            #expect(exposition.value("citiesd_http_requests_total", ["route": detail, "method": "GET", "status_class": "4xx"]) == 1)
            #expect(exposition.value("citiesd_http_requests_total", ["route": "NotFound", "method": "GET", "status_class": "4xx"]) == 1)
            #expect(exposition.value("citiesd_http_request_duration_seconds_count", ["route": detail, "method": "GET"]) == 3)
            #expect(exposition.value("citiesd_http_requests_in_flight") == 0)
            #expect(exposition.value("citiesd_response_cache_lookups_total", ["result": "miss"]).map { $0 >= 1 } == true)
            #expect(exposition.value("citiesd_response_cache_lookups_total", ["result": "hit"]).map { $0 >= 1 } == true)
            #expect(exposition.value("citiesd_ingest_events_total", ["outcome": "created"]) == 2)
            #expect(exposition.value("citiesd_ingest_events_total", ["outcome": "unchanged"]) == 2)
            #expect(exposition.value("citiesd_ingest_batch_events_count") == 2)
            #expect(exposition.value("citiespg_pool_max_connections") == 4)
            #expect(exposition.value("citiespg_pool_connections").map { (1...4).contains($0) } == true)
            #expect(exposition.value("citiespg_pool_connections_in_use") == 0)
            #expect(exposition.value("citiespg_pool_waiting_callers") == 0)
            #expect(exposition.value("citiespg_statement_duration_seconds_count", ["statement": "insert cities"]).map { $0 >= 1 } == true)
            #expect(exposition.value("citiespg_counts_refreshes_total").map { $0 >= 1 } == true)
            #expect(exposition.value("citiespg_counts_refreshed_timestamp_seconds").map { abs($0 - Date().timeIntervalSince1970) < 60 } == true)

            for (family, type) in exposition.types {
                #expect(family.hasPrefix("citiesd_") || family.hasPrefix("citiespg_") || family.hasPrefix("process_"), "\(family)")
                #expect(family.hasSuffix("_total") == (type == "counter"), "\(family) is a \(type)")
                #expect(!family.contains("milliseconds") && !family.contains("_ms"), "\(family): base units")
                if family.contains("duration") { #expect(family.hasSuffix("_seconds") && type == "histogram", "\(family)") }
            }
        }
    }
}
