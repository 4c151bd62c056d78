import CitiesCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOHTTP1
import Testing

@testable import citiesd

/// A Kong Admin API stand-in: the routes citiesd uses, Kong's defaults filled in on write, and a log
/// of every request, so tests can assert exactly what was sent.
actor FakeKong {
    struct Sent: Equatable, CustomStringConvertible {
        let method: String
        let path: String
        let body: JSONValue?
        var description: String { "\(method) \(path)" }
    }

    var entities: [String: [[String: JSONValue]]] = [:]
    var sent: [Sent] = []
    var databaseOff = false
    private var nextID = 0

    var mutations: [Sent] { sent.filter { $0.method != "GET" } }

    func seed(_ collection: String, _ object: [String: JSONValue]) {
        var object = object
        object["id"] = object["id"] ?? .string(newID())
        entities[collection, default: []].append(object)
    }

    private func newID() -> String {
        nextID += 1
        return "00000000-0000-4000-8000-\(String(format: "%012d", nextID))"
    }

    private func find(_ collection: String, _ key: String) -> Int? {
        entities[collection]?.firstIndex { $0["id"] == .string(key) || $0["name"] == .string(key) }
    }

    private func withDefaults(_ collection: String, _ object: [String: JSONValue]) -> [String: JSONValue] {
        var object = object
        object["created_at"] = 1_700_000_000
        if collection == "upstreams", case .object(var checks)? = object["healthchecks"] {
            checks["passive"] = ["type": "http"]
            if case .object(var active)? = checks["active"] {
                active["concurrency"] = 10
                checks["active"] = .object(active)
            }
            object["healthchecks"] = .object(checks)
            object["algorithm"] = "round-robin"
        }
        return object
    }

    func handle(method: String, path: String, query: String?, body: JSONValue?) -> (Int, JSONValue) {
        sent.append(Sent(method: method, path: path + (query.map { "?" + $0 } ?? ""), body: body))
        let parts = path.split(separator: "/").map(String.init)
        let object: [String: JSONValue] = if case .object(let fields)? = body { fields } else { [:] }
        switch (method, parts.count) {
        case ("GET", 0):
            return (200, ["configuration": ["database": .string(databaseOff ? "off" : "postgres")]])
        case ("POST", 1) where parts[0] == "config":
            return (201, [:])
        case ("GET", 1):
            let tag = query?.split(separator: "=").last.map(String.init)
            let items = (entities[parts[0]] ?? []).filter { item in
                tag == nil || (item["tags"].map { if case .array(let tags) = $0 { tags.contains(.string(tag!)) } else { false } } ?? false)
            }
            return (200, ["data": .array(items.map(JSONValue.object)), "next": .null])
        case ("GET", 2):
            guard let index = find(parts[0], parts[1]) else { return (404, ["message": "Not found"]) }
            return (200, .object(entities[parts[0]]![index]))
        case ("PUT", 2):
            var stored = withDefaults(parts[0], object)
            if let index = find(parts[0], parts[1]) {
                stored["id"] = entities[parts[0]]![index]["id"]
                entities[parts[0]]![index] = stored
            } else {
                stored["id"] = object["id"] ?? (UUID(uuidString: parts[1]) != nil ? .string(parts[1]) : .string(newID()))
                if stored["name"] == nil, UUID(uuidString: parts[1]) == nil { stored["name"] = .string(parts[1]) }
                entities[parts[0], default: []].append(stored)
            }
            return (200, .object(stored))
        case ("DELETE", 2):
            guard let index = find(parts[0], parts[1]) else { return (404, ["message": "Not found"]) }
            entities[parts[0]]!.remove(at: index)
            return (204, .null)
        case ("GET", 3) where parts[2] == "targets":
            guard let upstream = find("upstreams", parts[1]) else { return (404, ["message": "Not found"]) }
            let id = entities["upstreams"]![upstream]["id"]!
            let targets = (entities["targets"] ?? []).filter { $0["upstream"] == .object(["id": id]) }
            return (200, ["data": .array(targets.map(JSONValue.object)), "next": .null])
        case ("POST", 3) where parts[2] == "targets":
            guard let upstream = find("upstreams", parts[1]) else { return (404, ["message": "Not found"]) }
            var target = object
            target["id"] = target["id"] ?? .string(newID())
            target["upstream"] = ["id": entities["upstreams"]![upstream]["id"]!]
            entities["targets", default: []].append(target)
            return (201, .object(target))
        case ("DELETE", 4) where parts[2] == "targets":
            guard let index = find("targets", parts[3]) else { return (404, ["message": "Not found"]) }
            entities["targets"]!.remove(at: index)
            return (204, .null)
        case ("PUT", 4) where parts[0] == "services" && parts[2] == "routes":
            guard let service = find("services", parts[1]) else { return (404, ["message": "Not found"]) }
            var route = object
            route["service"] = ["id": entities["services"]![service]["id"]!]
            return upsertRoute(parts[3], route)
        default:
            return (405, ["message": .string("unsupported by the fake: \(method) \(path)")])
        }
    }

    private func upsertRoute(_ key: String, _ route: [String: JSONValue]) -> (Int, JSONValue) {
        var stored = withDefaults("routes", route)
        if let index = find("routes", key) {
            stored["id"] = entities["routes"]![index]["id"]
            entities["routes"]![index] = stored
        } else {
            stored["id"] = .string(newID())
            entities["routes", default: []].append(stored)
        }
        return (200, .object(stored))
    }
}

@discardableResult
func withFakeKong<T: Sendable>(_ kong: FakeKong, _ body: @escaping @Sendable (KongAdminClient) async throws -> T) async throws -> T {
    let router = Router()
    for method in [HTTPRequest.Method.get, .put, .post, .delete] {
        for path: RouterPath in ["/", "**"] {
            router.on(path, method: method) { request, _ -> Response in
                var request = request
                let buffer = try await request.collectBody(upTo: 1 << 20)
                let json = buffer.readableBytes == 0 ? nil : try JSONDecoder().decode(JSONValue.self, from: Data(buffer.readableBytesView))
                let (status, answer) = await kong.handle(method: method.rawValue, path: request.uri.path, query: request.uri.query, body: json)
                if answer == .null { return Response(status: .init(code: status)) }
                return JSONResponse.make(answer, status: .init(code: status))
            }
        }
    }
    let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: Logger(label: "fake-kong"))
    return try await app.test(.live) { client in
        let admin = try KongAdminClient(adminURL: "http://127.0.0.1:\(client.port!)", tls: .init())
        do {
            let value = try await body(admin)
            await admin.shutdown()
            return value
        } catch {
            await admin.shutdown()
            throw error
        }
    }
}

@Suite struct GatewaySyncTests {
    let desired = try! KongConfiguration(prefix: "/ws/cities", targets: ["citiesd-1:8080", "citiesd-2:8080"], host: nil)

    @Test func firstSyncSendsExactlyTheObjectsAndASecondSendsNothing() async throws {
        let kong = FakeKong()
        try await withFakeKong(kong) { admin in
            let changes = try await KongSync(client: admin, desired: desired).run()
            #expect(changes == [
                "created upstream citiesd-upstream", "added target citiesd-1:8080", "added target citiesd-2:8080",
                "created service citiesd", "created route citiesd",
            ])
            let mutations = await kong.mutations
            #expect(mutations == [
                FakeKong.Sent(method: "PUT", path: "/upstreams/citiesd-upstream", body: .object(desired.upstream)),
                FakeKong.Sent(method: "POST", path: "/upstreams/citiesd-upstream/targets", body: .object(desired.targetBody("citiesd-1:8080"))),
                FakeKong.Sent(method: "POST", path: "/upstreams/citiesd-upstream/targets", body: .object(desired.targetBody("citiesd-2:8080"))),
                FakeKong.Sent(method: "PUT", path: "/services/citiesd", body: .object(desired.service)),
                FakeKong.Sent(method: "PUT", path: "/services/citiesd/routes/citiesd", body: .object(desired.route)),
            ])
            guard case .object(let route) = mutations[4].body else { return }
            #expect(route["strip_path"] == .bool(false))
            #expect(route["paths"] == .array([.string("/ws/cities")]))

            let before = await kong.sent.count
            let again = try await KongSync(client: admin, desired: desired).run()
            #expect(again.isEmpty)
            let second = await kong.sent.dropFirst(before)
            #expect(second.allSatisfy { $0.method == "GET" }, "\(Array(second))")
        }
    }

    @Test func changedTargetsAndStaleObjectsOnlyTouchWhatIsOurs() async throws {
        let kong = FakeKong()
        try await withFakeKong(kong) { admin in
            _ = try await KongSync(client: admin, desired: desired).run()
            await kong.seed("routes", ["name": "citiesd-old", "tags": ["citiesd"]])
            await kong.seed("routes", ["name": "someone-else", "tags": ["billing"]])
            let before = await kong.sent.count
            let moved = try KongConfiguration(prefix: "/ws/cities", targets: ["citiesd-1:8080", "citiesd-3:8080"], host: nil)
            let changes = try await KongSync(client: admin, desired: moved).run()
            #expect(changes == ["added target citiesd-3:8080", "removed target citiesd-2:8080", "deleted route citiesd-old"])
            let mutations = await kong.sent.dropFirst(before).filter { $0.method != "GET" }.map(\.description)
            #expect(mutations.count == 3)
            #expect(mutations[0] == "POST /upstreams/citiesd-upstream/targets")
            #expect(mutations[1].hasPrefix("DELETE /upstreams/citiesd-upstream/targets/"))
            #expect(mutations[2].hasPrefix("DELETE /routes/"))
            let routes = await kong.entities["routes"]?.compactMap { $0["name"] }
            #expect(routes == [.string("citiesd"), .string("someone-else")])
        }
    }

    @Test func refusesToChangeAnUntaggedObjectOfTheSameName() async throws {
        let kong = FakeKong()
        await kong.seed("services", ["name": "citiesd", "host": "legacy.internal", "tags": ["legacy"]])
        try await withFakeKong(kong) { admin in
            let error = await #expect(throws: KongAdminClient.Failure.self) { try await KongSync(client: admin, desired: desired).run() }
            #expect(error?.description.contains("not tagged citiesd") == true)
            let services = await kong.entities["services"]
            #expect(services?.first?["host"] == .string("legacy.internal"))
        }
    }

    @Test func dumpRestoresIntoAnEmptyGateway() async throws {
        let source = FakeKong()
        await source.seed("consumers", ["username": "mobile-app"])
        let desired = desired
        let dump = try await withFakeKong(source) { admin in
            _ = try await KongSync(client: admin, desired: desired).run()
            return try await KongDump.dump(admin)
        }
        let target = FakeKong()
        try await withFakeKong(target) { admin in
            let lines = try await KongDump.restore(dump, client: admin)
            #expect(lines == ["restored 1 upstreams", "restored 2 targets", "restored 1 services", "restored 1 routes", "restored 1 consumers"])
            let changes = try await KongSync(client: admin, desired: desired).run()
            #expect(changes.isEmpty, "a restored gateway already matches: \(changes)")
        }
        let restoredServiceIDs = await target.entities["services"]?.map { $0["id"] }
        let sourceServiceIDs = await source.entities["services"]?.map { $0["id"] }
        #expect(restoredServiceIDs == sourceServiceIDs, "ids survive the round trip")

        let dbless = FakeKong()
        await dbless.setDatabaseOff()
        let loaded = try await withFakeKong(dbless) { admin in try await KongDump.restore(dump, client: admin) }
        #expect(loaded == ["loaded the whole configuration into DB-less Kong"])
        let posted = await dbless.mutations
        #expect(posted == [FakeKong.Sent(method: "POST", path: "/config", body: dump)])
    }
}

extension FakeKong {
    func setDatabaseOff() { databaseOff = true }
}
