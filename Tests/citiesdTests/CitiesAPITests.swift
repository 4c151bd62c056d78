import CitiesCore
import CitiesPG
import CitiesPGTesting
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import citiesd

/// Request-level tests through the real router, serializers and a real PostgreSQL.
struct APITestContext: Sendable {
    let client: any TestClientProtocol
    let token: String
    let pool: PGPool

    func request(
        _ uri: String, _ method: HTTPRequest.Method = .get, json: String? = nil, contentType: String = "application/json",
        token: String? = nil, headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = extra
        if json != nil { headers[.contentType] = contentType }
        if let token { headers[.authorization] = "Token \(token)" }
        return try await client.execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }

    func write(_ uri: String, _ method: HTTPRequest.Method, json: String? = nil) async throws -> TestResponse {
        try await request(uri, method, json: json, token: token)
    }
}

func withAPI(
    metadata: ServiceMetadata = ServiceMetadata(), bodyLimit: Int = 1 << 20, database: PGConfiguration? = nil,
    over setup: TestingSetup = .router, metrics: ServiceMetrics = ServiceMetrics(), configure: (inout APIDependencies) -> Void = { _ in },
    _ body: @escaping @Sendable (APITestContext) async throws -> Void
) async throws {
    let connection: PGConfiguration
    if let database { connection = database } else { connection = try await EmbeddedPostgres.makeTestDatabase(migrated: true) }
    let pool = PGPool(configuration: PGPoolConfiguration(connection: connection, maxConnections: 4, acquireTimeout: .seconds(2)), metrics: metrics.factory)
    let key = TokenAuthenticator.newKey()
    if database == nil { _ = try await PostgresTokenStore(pool: pool).create(name: "tests", keyHash: TokenAuthenticator.hash(key)) }
    var dependencies = APIDependencies(pool: pool, metadata: metadata, bodyLimit: bodyLimit, metrics: metrics)
    configure(&dependencies)
    let app = try buildApplication(api: try APIConfiguration(prefix: "/ws/cities"), dependencies: dependencies, logger: Logger(label: "test"))
    try await app.test(setup) { client in try await body(APITestContext(client: client, token: key, pool: pool)) }
}

func decode(_ response: TestResponse) throws -> JSONValue {
    try JSONDecoder().decode(JSONValue.self, from: Data(buffer: response.body))
}

func object(_ response: TestResponse) throws -> [String: JSONValue] {
    struct NotAnObject: Error { let body: String }
    guard case .object(let object) = try decode(response) else { throw NotAnObject(body: String(buffer: response.body)) }
    return object
}

let düsseldorf = #"{"name": "Düsseldorf", "country_code": "de", "timezone": "Europe/Berlin", "latitude": 51.2277, "longitude": 6.7735, "population": 629047}"#

@Suite struct CitiesAPITests {
    @Test func createReadUpdateDeleteACity() async throws {
        try await withAPI { api in
            let created = try await api.write("/ws/cities/", .post, json: düsseldorf)
            #expect(created.status == .created)
            let body = try object(created)
            guard case .integer(let id) = body["id"] else { Issue.record("no id in \(body)"); return }
            #expect(created.headers[.location] == "http://localhost/ws/cities/\(id)/" || created.headers[.location]?.hasSuffix("/ws/cities/\(id)/") == true)
            #expect(body["slug"] == .string("dusseldorf"))
            #expect(body["country_code"] == .string("DE"))
            #expect(body["event_count"] == .integer(0))
            #expect(body["region"] == .null)
            guard case .string(let createdAt) = body["created_at"] else { Issue.record("no created_at"); return }
            #expect(createdAt.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$"#, options: .regularExpression) != nil)
            #expect(created.headers[.allow] == "GET, POST, HEAD, OPTIONS")
            #expect(created.headers[.vary] == "Accept")

            let namesake = try object(try await api.write("/ws/cities/", .post, json: düsseldorf))
            #expect(namesake["slug"] == "dusseldorf-de", "a derived slug never blocks a valid city")
            let duplicate = try await api.write("/ws/cities/", .post, json: #"{"name": "Düsseldorf", "slug": "dusseldorf", "country_code": "DE", "timezone": "Europe/Berlin"}"#)
            #expect(duplicate.status == .badRequest, "a slug given explicitly and taken stays a 400, as in DRF")
            #expect(try decode(duplicate) == .object(["slug": .array([.string(CityMessages.duplicateSlug)])]))

            let read = try await api.request("/ws/cities/\(id)/")
            #expect(read.status == .ok)
            #expect(try object(read)["name"] == .string("Düsseldorf"))

            let patched = try await api.write("/ws/cities/\(id)/", .patch, json: #"{"population": 630000, "id": 999}"#)
            #expect(patched.status == .ok)
            #expect(try object(patched)["population"] == .integer(630_000))
            #expect(try object(patched)["id"] == .integer(id))

            let incomplete = try await api.write("/ws/cities/\(id)/", .put, json: #"{"population": 1}"#)
            #expect(incomplete.status == .badRequest)
            #expect(try object(incomplete)["name"] == .array([.string("This field is required.")]))

            let deleted = try await api.write("/ws/cities/\(id)/", .delete)
            #expect(deleted.status == .noContent)
            let gone = try await api.request("/ws/cities/\(id)/")
            #expect(gone.status == .notFound)
            #expect(try decode(gone) == .object(["detail": .string("Not found.")]))
            #expect(try await api.request("/ws/cities/abc/").status == .notFound)
        }
    }

    @Test func writesNeedATokenCheckedBeforeMethodAndBody() async throws {
        try await withAPI { api in
            let anonymous = try await api.request("/ws/cities/", .post, json: "not even json")
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.headers[.wwwAuthenticate] == "Token")
            #expect(try decode(anonymous) == .object(["detail": .string("Authentication credentials were not provided.")]))

            let wrong = try await api.request("/ws/cities/", .post, json: düsseldorf, token: "0123456789abcdef")
            #expect(wrong.status == .unauthorized)
            #expect(try decode(wrong) == .object(["detail": .string("Invalid token.")]))
            #expect(try await api.request("/ws/cities/", token: "bogus").status == .unauthorized, "a bad token fails even on GET, as in DRF")

            let notAllowedAnonymous = try await api.request("/ws/cities/", .delete)
            #expect(notAllowedAnonymous.status == .unauthorized)
            let notAllowed = try await api.write("/ws/cities/", .delete)
            #expect(notAllowed.status == .methodNotAllowed)
            #expect(notAllowed.headers[.allow] == "GET, POST, HEAD, OPTIONS")
            #expect(try decode(notAllowed) == .object(["detail": .string("Method \"DELETE\" not allowed.")]))
            for method in [HTTPRequest.Method.trace, HTTPRequest.Method("QUERY")!] {
                let other = try await api.write("/ws/cities/1/event-counts/", method)
                #expect(other.status == .methodNotAllowed, "\(method)")
                #expect(other.headers[.allow] == "GET, HEAD, OPTIONS")
            }
        }
    }

    @Test func paginatesWithAbsoluteLinks() async throws {
        try await withAPI { api in
            for name in ["Aachen", "Bonn", "Celle"] {
                #expect(try await api.write("/ws/cities/", .post, json: #"{"name": "\#(name)", "country_code": "DE", "timezone": "Europe/Berlin"}"#).status == .created)
            }
            let first = try object(try await api.request("/ws/cities/?page_size=2&ordering=-name"))
            #expect(first["count"] == .integer(3))
            #expect(first["previous"] == .null)
            guard case .string(let next) = first["next"], case .array(let results) = first["results"] else { Issue.record("\(first)"); return }
            #expect(next.hasSuffix("/ws/cities/?page_size=2&ordering=-name&page=2"))
            #expect(next.hasPrefix("http://"))
            #expect(results.count == 2)
            let second = try object(try await api.request("/ws/cities/?page_size=2&ordering=-name&page=2"))
            guard case .string(let previous) = second["previous"] else { Issue.record("\(second)"); return }
            #expect(previous.hasSuffix("/ws/cities/?page_size=2&ordering=-name"))
            #expect(second["next"] == .null)
            let last = try object(try await api.request("/ws/cities/?page_size=2&page=last"))
            #expect((last["results"].flatMap { if case .array(let items) = $0 { items.count } else { nil } }) == 1)
            for page in ["9", "0", "abc"] {
                let invalid = try await api.request("/ws/cities/?page=\(page)")
                #expect(invalid.status == .notFound)
                #expect(try decode(invalid) == .object(["detail": .string("Invalid page.")]))
            }
            let searched = try object(try await api.request("/ws/cities/?search=BON"))
            #expect(searched["count"] == .integer(1))
            let badFilter = try await api.request("/ws/cities/?is_active=maybe&country_code=XX")
            #expect(badFilter.status == .badRequest)
            #expect(Set(try object(badFilter).keys) == ["is_active", "country_code"])
        }
    }

    @Test func strictInputErrors() async throws {
        try await withAPI(bodyLimit: 512) { api in
            let parse = try await api.write("/ws/cities/", .post, json: #"{"name": "#)
            #expect(parse.status == .badRequest)
            guard case .string(let detail) = try object(parse)["detail"] else { Issue.record("no detail"); return }
            #expect(detail.hasPrefix("JSON parse error - "))

            var invalidUTF8 = ByteBuffer(string: #"{"name": ""#)
            invalidUTF8.writeBytes([0xff, 0xfe])
            invalidUTF8.writeString(#""}"#)
            let utf8 = try await api.client.execute(uri: "/ws/cities/", method: .post, headers: [.contentType: "application/json", .authorization: "Token \(api.token)"], body: invalidUTF8)
            #expect(utf8.status == .badRequest)
            #expect(String(buffer: utf8.body).contains("UTF-8"))

            let array = try await api.write("/ws/cities/", .post, json: "[]")
            #expect(try decode(array) == .object(["non_field_errors": .array([.string("Invalid data. Expected a dictionary, but got list.")])]))

            let nul = try await api.write("/ws/cities/", .post, json: #"{"name": "a\u0000b", "country_code": "DE", "timezone": "UTC"}"#)
            #expect(try object(nul)["name"] == .array([.string("Null characters are not allowed.")]))

            let range = try await api.write("/ws/cities/", .post, json: #"{"name": "X", "country_code": "DE", "timezone": "UTC", "population": 99999999999999999999}"#)
            #expect(range.status == .badRequest)
            #expect(try object(range)["population"] != nil)

            let media = try await api.request("/ws/cities/", .post, json: "name=x", contentType: "text/plain", token: api.token)
            #expect(media.status == .unsupportedMediaType)
            #expect(try decode(media) == .object(["detail": .string("Unsupported media type \"text/plain\" in request.")]))

            let large = try await api.write("/ws/cities/", .post, json: #"{"name": "\#(String(repeating: "x", count: 600))"}"#)
            #expect(large.status == .contentTooLarge)

            let accept = try await api.request("/ws/cities/", headers: [.accept: "text/html"])
            #expect(accept.status == .notAcceptable)
            #expect(try decode(accept) == .object(["detail": .string("Could not satisfy the request Accept header.")]))
            #expect(try await api.request("/ws/cities/", headers: [.accept: "text/html, application/json;q=0.9"]).status == .ok)
        }
    }

    @Test func trailingSlashRedirectsForGetOnly() async throws {
        try await withAPI { api in
            let redirect = try await api.request("/ws/cities/event-counts?country_code=DE")
            #expect(redirect.status == .movedPermanently)
            #expect(redirect.headers[.location] == "/ws/cities/event-counts/?country_code=DE")
            #expect(try await api.write("/ws/cities", .post, json: düsseldorf).status == .notFound)
            #expect(try await api.request("/ws/nothing-here/").status == .notFound)
        }
    }

    @Test func optionsDescribeTheViewAndTheBuild() async throws {
        try await withAPI(metadata: ServiceMetadata(version: "9.9.9", branch: "feature-x", stack: "cities-feature-x-1a2b3c")) { api in
            let options = try await api.request("/ws/cities/", .options)
            #expect(options.status == .ok)
            #expect(options.headers[.allow] == "GET, POST, HEAD, OPTIONS")
            let body = try object(options)
            #expect(body["version"] == .string("9.9.9"))
            #expect(body["branch"] == .string("feature-x"))
            #expect(body["stack"] == .string("cities-feature-x-1a2b3c"))
            #expect(body["name"] == .string("City List"))
            #expect(body["renders"] == .array([.string("application/json")]))
            guard case .object(let actions) = body["actions"], case .object(let post) = actions["POST"],
                  case .object(let name) = post["name"], case .object(let id) = post["id"] else { Issue.record("\(body)"); return }
            #expect(name["max_length"] == .integer(200))
            #expect(name["required"] == .bool(true))
            #expect(id["read_only"] == .bool(true))
            let health = try object(try await api.request("/ws/cities/health/", .options))
            #expect(health["actions"] == nil)
            #expect(health["version"] == .string("9.9.9"))
        }
    }

    @Test func eventsBulkUpsertCountsAndHistogram() async throws {
        try await withAPI { api in
            let city = try object(try await api.write("/ws/cities/", .post, json: düsseldorf))
            guard case .integer(let id) = city["id"] else { return }
            let now = Date()
            func at(_ hours: Double) -> String { ISOTimestamp.string(from: now + hours * 3600) }
            let batch = """
                [{"id": "ev-1", "city": \(id), "category": "concert", "starts_at": "\(at(1))", "ends_at": "\(at(3))"},
                 {"id": "ev-2", "city": \(id), "category": "theatre", "starts_at": "\(at(-3))", "ends_at": "\(at(-1))"},
                 {"id": "ev-3", "city": \(id), "category": "concert", "starts_at": "\(at(30))", "ends_at": "\(at(31))", "status": "scheduled"}]
                """
            let first = try await api.write("/ws/cities/events/", .put, json: batch)
            #expect(first.status == .ok)
            #expect(try decode(first) == .object(["created": .integer(3), "updated": .integer(0), "unchanged": .integer(0)]))
            #expect(try decode(try await api.write("/ws/cities/events/", .put, json: batch)) == .object(["created": .integer(0), "updated": .integer(0), "unchanged": .integer(3)]))

            let invalid = try await api.write("/ws/cities/events/", .put, json: """
                [{"id": "ok", "city": \(id), "category": "concert", "starts_at": "\(at(1))", "ends_at": "\(at(2))"},
                 {"id": "bad", "city": 0, "category": "Not A Slug", "starts_at": "yesterday", "ends_at": "\(at(2))"},
                 {"id": "nocity", "city": 987654, "category": "concert", "starts_at": "\(at(1))", "ends_at": "\(at(2))"}]
                """)
            #expect(invalid.status == .badRequest)
            guard case .array(let items) = try decode(invalid) else { Issue.record("not a list"); return }
            #expect(items.count == 3)
            #expect(items[0] == .object([:]))
            guard case .object(let second) = items[1] else { return }
            #expect(Set(second.keys) == ["city", "category", "starts_at"])

            let unknownCity = try await api.write("/ws/cities/events/", .put, json: """
                [{"id": "nocity", "city": 987654, "category": "concert", "starts_at": "\(at(1))", "ends_at": "\(at(2))"}]
                """)
            #expect(try decode(unknownCity) == .array([.object(["city": .array([.string("Invalid pk \"987654\" - object does not exist.")])])]))
            let notAList = try await api.write("/ws/cities/events/", .put, json: "{}")
            #expect(try decode(notAList) == .object(["non_field_errors": .array([.string("Expected a list of items but got type \"dict\".")])]))

            let counts = try decode(try await api.request("/ws/cities/event-counts/"))
            #expect(counts == .array([.object(["id": .integer(id), "slug": .string("dusseldorf"), "name": .string("Düsseldorf"), "event_count": .integer(2)])]))
            let concerts = try decode(try await api.request("/ws/cities/event-counts/?category=theatre&category=concert&from=\(at(-4).urlEncoded)&to=\(at(2).urlEncoded)"))
            #expect(concerts == .array([.object(["id": .integer(id), "slug": .string("dusseldorf"), "name": .string("Düsseldorf"), "event_count": .integer(2)])]))
            #expect(try object(try await api.request("/ws/cities/\(id)/"))["event_count"] == .integer(2))

            let histogram = try object(try await api.request("/ws/cities/\(id)/event-counts/?interval=day&from=\(at(-24).urlEncoded)&to=\(at(48).urlEncoded)"))
            guard case .array(let buckets) = histogram["results"] else { Issue.record("\(histogram)"); return }
            #expect(buckets.count >= 3)
            let badInterval = try await api.request("/ws/cities/\(id)/event-counts/?interval=hour&from=\(at(0).urlEncoded)&to=\(at(1).urlEncoded)")
            #expect(badInterval.status == .badRequest)
            #expect(try object(badInterval)["interval"] == .array([.string("Select a valid choice. hour is not one of the available choices.")]))
            #expect(try await api.request("/ws/cities/424242/event-counts/?interval=day&from=\(at(0).urlEncoded)&to=\(at(1).urlEncoded)").status == .notFound)

            #expect(try await api.write("/ws/cities/events/ev-1/", .delete).status == .noContent)
            #expect(try await api.write("/ws/cities/events/ev-1/", .delete).status == .notFound)
            #expect(try object(try await api.request("/ws/cities/\(id)/"))["event_count"] == .integer(1))
        }
    }

    @Test func conditionalGETsRevalidateUntilTheCountsChange() async throws {
        try await withAPI { api in
            let city = try object(try await api.write("/ws/cities/", .post, json: düsseldorf))
            guard case .integer(let id) = city["id"] else { return }
            let now = Date()
            for uri in ["/ws/cities/", "/ws/cities/\(id)/", "/ws/cities/event-counts/",
                        "/ws/cities/\(id)/event-counts/?interval=day&from=\(ISOTimestamp.string(from: now).urlEncoded)&to=\(ISOTimestamp.string(from: now + 86_400).urlEncoded)"] {
                let first = try await api.request(uri)
                let etag = try #require(first.headers[.eTag], "\(uri)")
                #expect(etag.hasPrefix("\"") && !etag.hasPrefix("W/"), "strong tag")
                #expect(first.headers[.cacheControl] == "public, no-cache")
                let again = try await api.request(uri)
                #expect(again.headers[.eTag] == etag, "same answer, same tag: \(uri)")
                #expect(again.body == first.body)
                for condition in [etag, "W/\(etag)", "\"other\", \(etag)", "*"] {
                    let revalidated = try await api.request(uri, headers: [.ifNoneMatch: condition])
                    #expect(revalidated.status == .notModified, "\(uri) \(condition)")
                    #expect(revalidated.body.readableBytes == 0)
                    #expect(revalidated.headers[.eTag] == etag)
                }
                #expect(try await api.request(uri, headers: [.ifNoneMatch: "\"other\""]).status == .ok)
                #expect(try await api.request(uri, .head, headers: [.ifNoneMatch: etag]).status == .notModified)
            }

            let counts = try await api.request("/ws/cities/event-counts/")
            let upsert = try await api.write("/ws/cities/events/", .put, json: """
                [{"id": "cached-1", "city": \(id), "category": "concert", "starts_at": "\(ISOTimestamp.string(from: now))", "ends_at": "\(ISOTimestamp.string(from: now + 3600))"}]
                """)
            #expect(upsert.status == .ok)
            let changed = try await api.request("/ws/cities/event-counts/", headers: [.ifNoneMatch: try #require(counts.headers[.eTag])])
            #expect(changed.status == .ok, "a write through this replica is visible at once")
            #expect(changed.headers[.eTag] != counts.headers[.eTag])
            #expect(try decode(changed) == .array([.object(["id": .integer(id), "slug": .string("dusseldorf"), "name": .string("Düsseldorf"), "event_count": .integer(1)])]))
            #expect(try object(try await api.request("/ws/cities/\(id)/"))["event_count"] == .integer(1))

            // Kept answers outlive writes to other cities, and only those: each of these was kept
            // before the write that must change it.
            let other = try object(try await api.write("/ws/cities/", .post, json: #"{"name": "Köln", "country_code": "DE", "timezone": "Europe/Berlin"}"#))
            guard case .integer(let otherID) = other["id"] else { return }
            func list() async throws -> [String: JSONValue] { try object(try await api.request("/ws/cities/?ordering=name")) }
            func detail(_ id: Int64) async throws -> [String: JSONValue] { try object(try await api.request("/ws/cities/\(id)/")) }
            func listed(_ name: String) async throws -> [JSONValue?] {
                guard case .array(let results) = try await list()["results"] else { return [] }
                return results.map { if case .object(let city) = $0 { city[name] } else { nil } }
            }
            #expect(try await list()["count"] == .integer(2))
            #expect(try await detail(id)["event_count"] == .integer(1))
            #expect(try await detail(otherID)["event_count"] == .integer(0))
            #expect(try await api.write("/ws/cities/events/", .put, json: """
                [{"id": "cached-2", "city": \(otherID), "category": "concert", "starts_at": "\(ISOTimestamp.string(from: now))", "ends_at": "\(ISOTimestamp.string(from: now + 3600))"}]
                """).status == .ok)
            #expect(try await detail(otherID)["event_count"] == .integer(1), "its own count moved")
            #expect(try await detail(id)["event_count"] == .integer(1))
            #expect(try await listed("event_count") == [.integer(1), .integer(1)], "the list holds the moved count")
            #expect(try await api.write("/ws/cities/\(otherID)/", .patch, json: #"{"name": "Cologne"}"#).status == .ok)
            #expect(try await detail(otherID)["name"] == .string("Cologne"))
            #expect(try await detail(id)["name"] == .string("Düsseldorf"))
            #expect(try await listed("name") == [.string("Cologne"), .string("Düsseldorf")], "a rename moves the list's order")
            #expect(try await api.write("/ws/cities/\(otherID)/", .delete).status == .noContent)
            #expect(try await api.request("/ws/cities/\(otherID)/").status == .notFound)
            #expect(try await list()["count"] == .integer(1))
        }
    }

    @Test func unreachableDatabaseIs503WithRetryAfter() async throws {
        try await withAPI(database: PGConfiguration("host=127.0.0.1 port=1 connect_timeout=1")) { api in
            let response = try await api.request("/ws/cities/")
            #expect(response.status == .serviceUnavailable)
            #expect(response.headers[.retryAfter] == "5")
            #expect(String(buffer: response.body).contains("detail"))
            #expect(!String(buffer: response.body).contains("127.0.0.1"))
        }
    }
}

extension String {
    var urlEncoded: String { addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? self }
}

/// A repository whose every call fails the way a bug would: with SQL in the error.
struct BrokenRepository: CitiesRepository {
    static let failure = PGError.server(PGServerError(
        sqlState: "42703", severity: "ERROR", message: "column \"secret_column\" does not exist", hint: "SELECT secret_column FROM cities"))
    func list(_ query: CityListQuery, now: Date) async throws -> CityPage { throw Self.failure }
    func city(id: Int64, now: Date) async throws -> CityWithEventCount? { throw Self.failure }
    func create(_ draft: CityDraft) async throws -> City { throw Self.failure }
    func update(id: Int64, with draft: CityDraft) async throws -> City? { throw Self.failure }
    func delete(id: Int64) async throws -> Bool { throw Self.failure }
    func upsert(_ events: [Event]) async throws -> UpsertSummary { throw Self.failure }
    func delete(externalID: String) async throws -> Bool { throw Self.failure }
    func eventCounts(_ filter: EventCountFilter, countryCode: String?, now: Date) async throws -> [CityEventCount] { throw Self.failure }
    func histogram(cityID: Int64, interval: CountInterval, from: Date, to: Date, categories: Set<String>) async throws -> [CountBucket]? { throw Self.failure }
}

@Suite struct ServerErrorTests {
    @Test func serverErrorsRevealNothing() async throws {
        let pool = PGPool(configuration: PGPoolConfiguration(connection: PGConfiguration("host=127.0.0.1 port=1")))
        var dependencies = APIDependencies(pool: pool, metadata: ServiceMetadata())
        dependencies.repository = BrokenRepository()
        let app = try buildApplication(api: try APIConfiguration(prefix: "/ws/cities"), dependencies: dependencies, logger: Logger(label: "test"))
        try await app.test(.router) { client in
            for uri in ["/ws/cities/", "/ws/cities/1/", "/ws/cities/event-counts/"] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status == .internalServerError)
                #expect(String(buffer: response.body) == #"{"detail":"A server error occurred."}"#)
                #expect(response.headers[.allow] != nil)
                #expect(response.headers[.vary] == "Accept")
            }
            let trace = try await client.execute(uri: "/ws/cities/health/", method: .trace)
            #expect(trace.status == .unauthorized, "TRACE is not a safe method, so DRF asks for credentials before the method check")
            #expect(trace.headers[.allow] == "GET, HEAD, OPTIONS")
        }
        await pool.close()
    }
}
