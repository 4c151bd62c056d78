import CitiesCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

@testable import CitiesPG
@testable import citiesd

/// `Idempotency-Key` through the real router on a real PostgreSQL.
@Suite struct IdempotencyKeyTests {
    /// With its slug given: a second create is a 400 (a derived slug would make it a new city).
    static let kiel = #"{"name": "Kiel", "slug": "kiel", "country_code": "DE", "timezone": "Europe/Berlin"}"#

    @Test func aRetryWithTheSameKeyAndBodyGetsTheFirstAnswerAndWritesOnce() async throws {
        try await withAPI { api in
            let first = try await api.keyed("/ws/cities/", .post, key: #""create-kiel""#, json: Self.kiel)
            #expect(first.status == .created)
            #expect(first.headers[.idempotentReplayed] == nil)
            let retry = try await api.keyed("/ws/cities/", .post, key: #""create-kiel""#, json: Self.kiel)
            #expect(retry.status == .created)
            #expect(retry.headers[.idempotentReplayed] == "true")
            #expect(retry.body == first.body)
            #expect(retry.headers[.location] != nil)
            #expect(retry.headers[.location] == first.headers[.location])
            #expect(retry.headers[.contentType] == "application/json")
            #expect(retry.headers[.allow] == "GET, POST, HEAD, OPTIONS")
            #expect(try await api.count("SELECT count(*) FROM cities WHERE slug = 'kiel'") == 1)

            // Without a key the same request is a new one.
            let unkeyed = try await api.write("/ws/cities/", .post, json: Self.kiel)
            #expect(unkeyed.status == .badRequest)
            #expect(try decode(unkeyed) == .object(["slug": .array([.string(CityMessages.duplicateSlug)])]))
        }
    }

    @Test func everyWriteIsReplayed() async throws {
        try await withAPI { api in
            let id = try await api.createCity(Self.kiel)
            let event = #"[{"id": "evt-1", "city": \#(id), "category": "concert", "starts_at": "2030-01-01T19:00:00Z", "ends_at": "2030-01-01T22:00:00Z"}]"#
            let writes: [(String, HTTPRequest.Method, String?, HTTPResponse.Status)] = [
                ("/ws/cities/\(id)/", .patch, #"{"population": 246794}"#, .ok),
                ("/ws/cities/\(id)/", .put, #"{"name": "Kiel", "country_code": "DE", "timezone": "Europe/Berlin", "population": 1}"#, .ok),
                ("/ws/cities/events/", .put, event, .ok),
                ("/ws/cities/events/evt-1/", .delete, nil, .noContent),
                ("/ws/cities/\(id)/", .delete, nil, .noContent),
            ]
            for (index, (uri, method, json, status)) in writes.enumerated() {
                let key = "\"write-\(index)\""
                let first = try await api.keyed(uri, method, key: key, json: json)
                let retry = try await api.keyed(uri, method, key: key, json: json)
                #expect(first.status == status, "\(method) \(uri)")
                #expect(retry.status == status, "\(method) \(uri)")
                #expect(retry.body == first.body, "\(method) \(uri)")
                #expect(retry.headers[.idempotentReplayed] == "true", "\(method) \(uri)")
            }
            #expect(try await api.count("SELECT count(*) FROM idempotency_keys") == Int64(writes.count))
        }
    }

    @Test func theSameKeyWithAnotherRequestIs422AndWritesNothing() async throws {
        try await withAPI { api in
            let created = try await api.keyed("/ws/cities/", .post, key: #""k""#, json: Self.kiel)
            #expect(created.status == .created)
            guard case .integer(let id) = try object(created)["id"] else { Issue.record("no id"); return }
            let otherBody = try await api.keyed("/ws/cities/", .post, key: #""k""#, json: düsseldorf)
            #expect(otherBody.status == .unprocessableContent)
            #expect(try decode(otherBody) == .object(["detail": .string("This Idempotency-Key was already used for a different request.")]))
            #expect(otherBody.headers[.idempotentReplayed] == nil)
            let otherMethod = try await api.keyed("/ws/cities/\(id)/", .patch, key: #""k""#, json: #"{"population": 1}"#)
            #expect(otherMethod.status == .unprocessableContent)
            #expect(try object(try await api.request("/ws/cities/\(id)/"))["population"] == .null)
            #expect(try await api.keyed("/ws/cities/?x=1", .post, key: #""k""#, json: Self.kiel).status == .unprocessableContent)
            #expect(try await api.count("SELECT count(*) FROM cities") == 1)
        }
    }

    @Test func keysBelongToTheTokenThatSentThem() async throws {
        try await withAPI { api in
            let otherToken = TokenAuthenticator.newKey()
            _ = try await PostgresTokenStore(pool: api.pool).create(name: "other", keyHash: TokenAuthenticator.hash(otherToken))
            #expect(try await api.keyed("/ws/cities/", .post, key: #""shared""#, json: Self.kiel).status == .created)
            // The other client's same key and body is its own request: not a replay of the first client's answer.
            let sameBody = try await api.keyed("/ws/cities/", .post, key: #""shared""#, json: Self.kiel, token: otherToken)
            #expect(sameBody.status == .badRequest)
            #expect(sameBody.headers[.idempotentReplayed] == nil)
            let otherBody = try await api.keyed("/ws/cities/", .post, key: #""other""#, json: düsseldorf, token: otherToken)
            #expect(otherBody.status == .created)
            let sharedKey = try await api.keyed("/ws/cities/", .post, key: #""shared""#, json: düsseldorf)
            #expect(sharedKey.status == .unprocessableContent, "the first client's key is still its own")
            #expect(try await api.count("SELECT count(*) FROM cities") == 2)
        }
    }

    @Test func clientErrorsAreKeptAndReplayedEvenWhenTheRequestWouldNowSucceed() async throws {
        try await withAPI { api in
            let id = try await api.createCity(Self.kiel)
            let duplicate = try await api.keyed("/ws/cities/", .post, key: #""again""#, json: Self.kiel)
            #expect(duplicate.status == .badRequest)
            #expect(try await api.write("/ws/cities/\(id)/", .delete).status == .noContent)
            let retry = try await api.keyed("/ws/cities/", .post, key: #""again""#, json: Self.kiel)
            #expect(retry.status == .badRequest)
            #expect(retry.body == duplicate.body)
            #expect(retry.headers[.idempotentReplayed] == "true")
            #expect(try await api.count("SELECT count(*) FROM cities") == 0)

            let missing = try await api.keyed("/ws/cities/999/", .delete, key: #""gone""#)
            #expect(missing.status == .notFound)
            let missingAgain = try await api.keyed("/ws/cities/999/", .delete, key: #""gone""#)
            #expect(missingAgain.status == .notFound)
            #expect(missingAgain.headers[.idempotentReplayed] == "true")
            #expect(try decode(missingAgain) == .object(["detail": .string("Not found.")]))
        }
    }

    @Test func aWriteThatCommittedButAnswered503IsReplayedNotRepeated() async throws {
        let failures = FailAfterWrites()
        try await withAPI(configure: { $0.repository = FailingRepository(base: $0.repository, failures: failures) }) { api in
            failures.arm()
            let failed = try await api.keyed("/ws/cities/", .post, key: #""committed""#, json: Self.kiel)
            #expect(failed.status == .serviceUnavailable)
            #expect(try await api.count("SELECT count(*) FROM cities WHERE slug = 'kiel'") == 1, "the write committed")
            let retry = try await api.keyed("/ws/cities/", .post, key: #""committed""#, json: Self.kiel)
            #expect(retry.status == .created)
            #expect(retry.headers[.idempotentReplayed] == "true")
            #expect(try object(retry)["slug"] == .string("kiel"))
            #expect(try await api.count("SELECT count(*) FROM cities") == 1)

            guard case .integer(let id) = try object(retry)["id"] else { Issue.record("no id"); return }
            let events = #"[{"id": "evt-1", "city": \#(id), "category": "concert", "starts_at": "2030-01-01T19:00:00Z", "ends_at": "2030-01-01T22:00:00Z"}]"#
            failures.arm()
            #expect(try await api.keyed("/ws/cities/events/", .put, key: #""events""#, json: events).status == .serviceUnavailable)
            let upsertRetry = try await api.keyed("/ws/cities/events/", .put, key: #""events""#, json: events)
            #expect(upsertRetry.status == .ok)
            // Running the upsert again would say "unchanged"; the kept answer is the first one's.
            #expect(try decode(upsertRetry) == .object(["created": .integer(1), "updated": .integer(0), "unchanged": .integer(0)]))
        }
    }

    @Test func aWriteThatFailedIsNotKeptSoItsRetryRunsAgain() async throws {
        let failures = FailAfterWrites()
        try await withAPI(configure: { $0.repository = FailingRepository(base: $0.repository, failures: failures) }) { api in
            failures.armBefore()
            let failed = try await api.keyed("/ws/cities/", .post, key: #""unavailable""#, json: Self.kiel)
            #expect(failed.status == .serviceUnavailable)
            #expect(try await api.count("SELECT count(*) FROM idempotency_keys") == 0)
            let retry = try await api.keyed("/ws/cities/", .post, key: #""unavailable""#, json: Self.kiel)
            #expect(retry.status == .created)
            #expect(retry.headers[.idempotentReplayed] == nil)
            #expect(try await api.count("SELECT count(*) FROM cities") == 1)
        }
    }

    @Test func aRetryWhileTheFirstIsWritingIs409() async throws {
        try await withAPI { api in
            // Another session holds the key's lock, as a request in the middle of its write does.
            let holder = PGPool(configuration: PGPoolConfiguration(
                connection: api.pool.configuration.connection, maxConnections: 1, acquireTimeout: .seconds(5)))
            let key = IdempotencyKey(owner: TokenAuthenticator.hash(api.token), value: "busy", fingerprint: [], lifetime: .seconds(60))
            try await holder.withConnection { _ = try $0.query("SELECT pg_advisory_lock($1)", [PostgresIdempotencyStore.lockKey(key)]) }
            let busy = try await api.keyed("/ws/cities/", .post, key: #""busy""#, json: Self.kiel)
            #expect(busy.status == .conflict)
            #expect(busy.headers[.retryAfter] == "1")
            #expect(try decode(busy) == .object(["detail": .string("A request with this Idempotency-Key is still being processed; retry shortly.")]))
            #expect(try await api.count("SELECT count(*) FROM cities") == 0, "the write was rolled back")
            try await holder.withConnection { _ = try $0.query("SELECT pg_advisory_unlock($1)", [PostgresIdempotencyStore.lockKey(key)]) }
            await holder.close()
            #expect(try await api.keyed("/ws/cities/", .post, key: #""busy""#, json: Self.kiel).status == .created)
        }
    }

    @Test func concurrentDuplicatesWriteOnce() async throws {
        try await withAPI { api in
            let answers = try await withThrowingTaskGroup(of: TestResponse.self) { group in
                for _ in 0..<8 { group.addTask { try await api.keyed("/ws/cities/", .post, key: #""race""#, json: Self.kiel) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let created = answers.filter { $0.status == .created }
            #expect(!created.isEmpty)
            #expect(Set(created.map(\.body)).count == 1, "every 201 is the same answer")
            #expect(created.filter { $0.headers[.idempotentReplayed] == nil }.count == 1, "one request wrote")
            #expect(answers.allSatisfy { $0.status == .created || $0.status == .conflict }, "\(answers.map(\.status))")
            #expect(try await api.count("SELECT count(*) FROM cities") == 1)
        }
    }

    @Test func invalidKeysAre400AndWriteNothing() async throws {
        try await withAPI { api in
            let longest = String(repeating: "k", count: IdempotentRequests.maximumKeyLength)
            for key in ["unquoted", #""""#, "\"\(longest)k\"", #""a";b=1"#, #""a\x""#, #""open"#, "\"caf\u{e9}\""] {
                let response = try await api.keyed("/ws/cities/", .post, key: key, json: Self.kiel)
                #expect(response.status == .badRequest, "\(key)")
                #expect(try decode(response) == .object(["detail": .string(APIError.invalidIdempotencyKey.detail)]), "\(key)")
            }
            let twoLines = try await api.request("/ws/cities/", .post, json: Self.kiel, token: api.token, headers: HTTPFields([
                HTTPField(name: .idempotencyKey, value: #""a""#), HTTPField(name: .idempotencyKey, value: #""b""#),
            ]))
            #expect(twoLines.status == .badRequest)
            #expect(try await api.count("SELECT count(*) FROM cities") == 0)
            #expect(try await api.keyed("/ws/cities/", .post, key: " \"\(longest)\" ", json: Self.kiel).status == .created)
            // Safe methods ignore the header; a method the route lacks is a 405 first, as without a key.
            #expect(try await api.request("/ws/cities/", headers: [.idempotencyKey: "unquoted"]).status == .ok)
            #expect(try await api.keyed("/ws/cities/", .put, key: "unquoted", json: Self.kiel).status == .methodNotAllowed)
        }
    }

    @Test func keysAreRFC8941Strings() {
        #expect(IdempotentRequests.sfString(#""abc""#) == "abc")
        #expect(IdempotentRequests.sfString(#"  "a \"b\" \\c"  "#) == #"a "b" \c"#)
        #expect(IdempotentRequests.sfString(#""a"b""#) == nil)
        #expect(IdempotentRequests.sfString("\"tab\t\"") == nil)
        #expect(IdempotentRequests.sfString("abc") == nil)
    }

    @Test func theDocumentDescribesTheKeyOnEveryWrite() throws {
        guard case .object(let root) = OpenAPIDocument.make(prefix: "/ws/cities", metadata: ServiceMetadata()),
              case .object(let paths) = root["paths"] else { Issue.record("no paths"); return }
        var writes = 0
        for (path, item) in paths {
            guard case .object(let operations) = item else { continue }
            for (method, operation) in operations where ["post", "put", "patch", "delete"].contains(method) {
                guard case .object(let fields) = operation, case .object(let responses) = fields["responses"],
                      case .array(let parameters) = fields["parameters"] else { Issue.record("\(method) \(path)"); continue }
                writes += 1
                #expect(parameters.contains { $0.field("name") == .string("Idempotency-Key") && $0.field("in") == .string("header") }, "\(method) \(path)")
                #expect(["400", "409", "422"].allSatisfy { responses[$0] != nil }, "\(method) \(path)")
            }
        }
        #expect(writes == 6)
    }
}

extension APITestContext {
    func keyed(_ uri: String, _ method: HTTPRequest.Method, key: String, json: String? = nil, token: String? = nil) async throws -> TestResponse {
        try await request(uri, method, json: json, token: token ?? self.token, headers: [.idempotencyKey: key])
    }

    func count(_ sql: String) async throws -> Int64 {
        try await pool.withConnection { try $0.query(sql).first!.decode(Int64.self, at: 0) }
    }

    func createCity(_ json: String) async throws -> Int64 {
        let created = try await write("/ws/cities/", .post, json: json)
        guard case .integer(let id) = try object(created)["id"] else { throw APIError.notFound }
        return id
    }
}

private extension JSONValue {
    func field(_ name: String) -> JSONValue? {
        if case .object(let fields) = self { return fields[name] }
        return nil
    }
}

/// When armed, makes the next write fail as an unreachable database would: after the write
/// committed (the answer to it is lost on the way back), or before it ran.
final class FailAfterWrites: Sendable {
    enum Moment { case none, before, after }
    private let next = Mutex(Moment.none)

    func arm() { next.withLock { $0 = .after } }
    func armBefore() { next.withLock { $0 = .before } }

    func take() -> Moment {
        next.withLock { moment in
            defer { moment = .none }
            return moment
        }
    }
}

/// The API's repository, with writes that fail when ``FailAfterWrites`` says so.
struct FailingRepository: CitiesRepository {
    let base: any CitiesRepository
    let failures: FailAfterWrites
    static let unavailable = PGError.connectionLost(message: "server closed the connection unexpectedly")

    private func failing<Result>(_ write: () async throws -> Result) async throws -> Result {
        let moment = failures.take()
        if moment == .before { throw Self.unavailable }
        let result = try await write()
        if moment == .after { throw Self.unavailable }
        return result
    }

    func create(_ draft: CityDraft) async throws -> City { try await failing { try await base.create(draft) } }
    func update(id: Int64, with draft: CityDraft) async throws -> City? { try await failing { try await base.update(id: id, with: draft) } }
    func delete(id: Int64) async throws -> Bool { try await failing { try await base.delete(id: id) } }
    func upsert(_ events: [Event]) async throws -> UpsertSummary { try await failing { try await base.upsert(events) } }
    func delete(externalID: String) async throws -> Bool { try await failing { try await base.delete(externalID: externalID) } }

    func list(_ query: CityListQuery, now: Date) async throws -> CityPage { try await base.list(query, now: now) }
    func city(id: Int64, now: Date) async throws -> CityWithEventCount? { try await base.city(id: id, now: now) }
    func eventCounts(_ filter: EventCountFilter, countryCode: String?, now: Date) async throws -> [CityEventCount] {
        try await base.eventCounts(filter, countryCode: countryCode, now: now)
    }
    func histogram(cityID: Int64, interval: CountInterval, from: Date, to: Date, categories: Set<String>) async throws -> [CountBucket]? {
        try await base.histogram(cityID: cityID, interval: interval, from: from, to: to, categories: categories)
    }
}
