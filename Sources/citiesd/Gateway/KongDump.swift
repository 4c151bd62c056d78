import CitiesCore
import NIOHTTP1

/// The whole gateway configuration as one JSON document, and back.
///
/// `dump` reads every entity collection (targets per upstream) through the Admin API, ids included.
/// `restore` loads such a file: DB-less Kong takes it whole on `POST /config`; Kong with a database
/// gets each entity upserted by id with `PUT`, in dependency order.
enum KongDump {
    /// Collections in the order a restore must create them (referenced before referencing).
    static let collections = ["certificates", "ca_certificates", "snis", "upstreams", "services", "routes", "consumers", "plugins"]

    static func dump(_ client: KongAdminClient) async throws -> JSONValue {
        var document: [String: JSONValue] = ["_format_version": "3.0"]
        var targets: [JSONValue] = []
        for collection in collections {
            let items = try await client.collection("/\(collection)")
            document[collection] = .array(items.map(JSONValue.object))
            if collection == "upstreams" {
                for upstream in items {
                    guard case .string(let id)? = upstream["id"] else { continue }
                    targets += try await client.collection("/upstreams/\(id)/targets").map(JSONValue.object)
                }
            }
        }
        document["targets"] = .array(targets)
        return .object(document)
    }

    /// Returns what it restored, one line per collection.
    static func restore(_ dump: JSONValue, client: KongAdminClient) async throws -> [String] {
        guard case .object(let document) = dump, document["_format_version"] != nil else {
            throw KongAdminClient.Failure(description: "not a citiesd gateway dump (no _format_version)")
        }
        if case .object(let root)? = try await client.expect(.GET, "/"),
           case .object(let configuration)? = root["configuration"], configuration["database"] == .string("off") {
            _ = try await client.expect(.POST, "/config", body: dump)
            return ["loaded the whole configuration into DB-less Kong"]
        }
        var lines: [String] = []
        for collection in collections {
            guard case .array(let items)? = document[collection] else { continue }
            for case .object(let item) in items {
                guard case .string(let id)? = item["id"] else { continue }
                _ = try await client.expect(.PUT, "/\(collection)/\(id)", body: .object(item))
            }
            if !items.isEmpty { lines.append("restored \(items.count) \(collection)") }
            if collection == "upstreams", case .array(let targets)? = document["targets"] {
                for case .object(let target) in targets {
                    guard case .object(let upstream)? = target["upstream"], case .string(let upstreamID)? = upstream["id"] else { continue }
                    _ = try await client.expect(.POST, "/upstreams/\(upstreamID)/targets", body: .object(target.filter { $0.key != "upstream" }))
                }
                if !targets.isEmpty { lines.append("restored \(targets.count) targets") }
            }
        }
        return lines
    }
}
