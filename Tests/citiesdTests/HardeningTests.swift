import CitiesCore
import CitiesPG
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOHTTP1
import Testing

@testable import citiesd

/// Hostile and malformed requests: each is refused before its work is done, with a JSON error.
@Suite struct HardeningTests {
    private func createCity(_ api: APITestContext) async throws -> Int64 {
        let city = try object(try await api.write("/ws/cities/", .post, json: düsseldorf))
        guard case .integer(let id) = city["id"] else { throw CancellationError() }
        return id
    }

    @Test(arguments: CountInterval.allCases)
    func widestHistogramWindowIsRefusedUpFront(_ interval: CountInterval) async throws {
        try await withAPI { api in
            let id = try await createCity(api)
            let response = try await api.request("/ws/cities/\(id)/event-counts/?interval=\(interval.rawValue)&from=0001-01-01T00:00:00Z&to=9999-12-31T00:00:00Z")
            #expect(response.status == .badRequest)
            #expect(try decode(response) == .object(["to": .array([.string("Ensure the window holds at most 1000 \(interval.rawValue)s.")])]))
        }
    }

    @Test func parametersThatScaleWorkAreBounded() async throws {
        try await withAPI { api in
            let id = try await createCity(api)
            let categories = (0...CanonicalQuery.maximumValues).map { "category=c\($0)" }.joined(separator: "&")
            let tooMany = try await api.request("/ws/cities/event-counts/?\(categories)")
            #expect(tooMany.status == .badRequest)
            #expect(try object(tooMany)["category"] == .array([.string("Ensure this filter has at most 100 values (it has 101).")]))

            let search = try await api.request("/ws/cities/?search=\(String(repeating: "a", count: 201))")
            #expect(try object(search)["search"] == .array([.string("Ensure this value has at most 200 characters (it has 201).")]))

            let page = try await api.request("/ws/cities/?page=\(Int.max / 10)")
            #expect(page.status == .notFound)
            #expect(try decode(page) == .object(["detail": .string("Invalid page.")]))

            for (from, field) in [("0000-01-01T00:00:00Z", "from"), ("0001-01-01T00:00:00+01:00", "from")] {
                let outside = try await api.request("/ws/cities/\(id)/event-counts/?interval=day&from=\(from.urlEncoded)&to=2026-01-01T00:00:00Z")
                #expect(try object(outside)[field] == .array([.string("Enter a valid date/time.")]))
            }
            let event = try await api.write("/ws/cities/events/", .put, json: """
                [{"id": "e", "city": \(id), "category": "concert", "starts_at": "0001-01-01T00:00:00+01:00", "ends_at": "2026-01-01T00:00:00Z"}]
                """)
            #expect(try decode(event) == .array([.object(["starts_at": .array([.string("Datetime value out of range.")])])]))
        }
    }

    /// The test client always sends one `Host` (the fault suite sends none over a raw socket).
    @Test func requestsNeedExactlyOneValidHost() async throws {
        try await withAPI { api in
            let two = try await api.request("/ws/cities/health/", headers: [HostHeaderMiddleware.name: "b.example"])
            #expect(two.status == .badRequest)
            #expect(two.headers[.contentType] == "application/json")
            #expect(try decode(two) == .object(["detail": .string("Requests must carry exactly one Host header.")]))
            #expect(try await api.request("/ws/cities/health/").status == .ok)
        }
        for host in ["localhost", "citiesd.example:8080", "[::1]:80", "127.0.0.1"] {
            #expect(HostHeaderMiddleware.isValid(host), "\(host)")
        }
        for host in ["", "a b", "user@host", "host/path", "a\u{0}b", String(repeating: "a", count: 256), "höst"] {
            #expect(!HostHeaderMiddleware.isValid(host), "\(host)")
        }
    }

    @Test func aRepeatedJSONKeyKeepsItsLastValue() async throws {
        try await withAPI { api in
            let created = try await api.write("/ws/cities/", .post, json: #"{"name": "Bonn", "name": "Celle", "country_code": "DE", "timezone": "Europe/Berlin"}"#)
            #expect(try object(created)["name"] == .string("Celle"))
            let deep = try await api.write("/ws/cities/", .post, json: String(repeating: "[", count: 10_000))
            #expect(deep.status == .badRequest)
            #expect(try object(deep)["detail"] == .string("JSON parse error - Nesting deeper than 512 levels: line 1 column 513 (char 512)"))
        }
    }

    /// Unrecognised parameters (a cache-buster, a token pasted into the URL) neither change the
    /// answer nor travel into its links.
    @Test func onlyRecognisedParametersShapeTheAnswer() async throws {
        try await withAPI { api in
            for name in ["Aachen", "Bonn"] {
                #expect(try await api.write("/ws/cities/", .post, json: #"{"name": "\#(name)", "country_code": "DE", "timezone": "Europe/Berlin"}"#).status == .created)
            }
            let plain = try await api.request("/ws/cities/?page_size=1")
            let busted = try await api.request("/ws/cities/?r=12345&page_size=1&token=secret-key")
            #expect(busted.headers[.eTag] == plain.headers[.eTag])
            #expect(busted.body == plain.body)
            guard case .string(let next) = try object(busted)["next"] else { Issue.record("no next link"); return }
            #expect(next.hasSuffix("/ws/cities/?page_size=1&page=2"))
            #expect(!String(buffer: busted.body).contains("secret"))

            let last = try object(try await api.request("/ws/cities/?page_size=5&page_size=1&search=xyz&search=bon"))
            #expect(last["count"] == .integer(1), "the last of repeated values counts, as in Django")
            let spaced = try await api.write("/ws/cities/", .post, json: #"{"name": "Bad Homburg", "country_code": "DE", "timezone": "Europe/Berlin"}"#)
            #expect(spaced.status == .created)
            #expect(try object(try await api.request("/ws/cities/?search=bad+homburg"))["count"] == .integer(1))

            let get = try await api.request("/ws/cities/")
            let head = try await api.request("/ws/cities/", .head)
            #expect(head.body.readableBytes == 0)
            #expect(head.headers[.contentLength] == String(get.body.readableBytes), "HEAD announces the length GET sends")
        }
    }
}

@Suite struct RequestSyntaxTests {
    @Test func queryStringsReadLikeDjangosQueryDict() {
        let items = CanonicalQuery.decode("search=new+york&a=%2B1&page=1&page=2&bad=%zz&flag")
        #expect(items.map(\.name) == ["search", "a", "page", "page", "bad", "flag"])
        #expect(items.map(\.value) == ["new york", "+1", "1", "2", "%zz", ""])
    }

    @Test func aBodyThatBreaksOffIsAClientError() throws {
        let response = ErrorResponder.response(for: HTTPParserError.invalidChunkSize, logger: Logger(label: "test"))
        #expect(response.status == .badRequest)
        #expect(response.headers[.contentType] == "application/json")
    }
}

@Suite struct LRUCacheTests {
    @Test func evictsTheLeastRecentlyUsedWithinCountAndCost() {
        var cache = LRUCache<String, Int>(capacity: 3, maximumCost: 10)
        cache.set(1, for: "a", cost: 2)
        cache.set(2, for: "b", cost: 2)
        cache.set(3, for: "c", cost: 2)
        #expect(cache.value(for: "a") == 1)
        cache.set(4, for: "d", cost: 2)
        #expect(cache.value(for: "b") == nil, "b was the least recently used")
        #expect(cache.value(for: "a") == 1 && cache.value(for: "c") == 3 && cache.value(for: "d") == 4)
        cache.set(5, for: "e", cost: 7)
        #expect(cache.count == 2 && cache.totalCost == 9, "room for 7 made by dropping a and c")
        #expect(cache.value(for: "d") == 4 && cache.value(for: "e") == 5)
        cache.set(6, for: "huge", cost: 11)
        #expect(cache.value(for: "huge") == nil && cache.count == 2)
        cache.set(7, for: "d", cost: 1)
        #expect(cache.value(for: "d") == 7 && cache.totalCost == 8)
    }
}
