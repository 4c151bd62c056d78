import CitiesCore
import NIOHTTP1

/// Makes the gateway match ``KongConfiguration`` through the Admin API, idempotently: objects are
/// upserted by name only when they differ, targets are added or removed one by one, and citiesd-tagged
/// objects it no longer wants are deleted. Objects without the `citiesd` tag are never touched; a
/// same-named one stops the sync with an error.
struct KongSync {
    let client: KongAdminClient
    let desired: KongConfiguration

    /// Returns what it changed, one line each; empty when the gateway already matched.
    func run() async throws -> [String] {
        var changes: [String] = []
        let upstream = KongConfiguration.upstreamName
        if let change = try await upsert("upstreams", upstream, desired.upstream, path: "/upstreams/\(upstream)") { changes.append(change) }
        changes += try await syncTargets(upstream)
        if let change = try await upsert("services", KongConfiguration.name, desired.service, path: "/services/\(KongConfiguration.name)") {
            changes.append(change)
        }
        if let change = try await upsert("routes", KongConfiguration.name, desired.route,
                                         path: "/routes/\(KongConfiguration.name)",
                                         writePath: "/services/\(KongConfiguration.name)/routes/\(KongConfiguration.name)") {
            changes.append(change)
        }
        for (collection, keep) in [("routes", KongConfiguration.name), ("services", KongConfiguration.name), ("upstreams", upstream)] {
            for stale in try await client.collection("/\(collection)?tags=\(KongConfiguration.tag)") where stale["name"] != .string(keep) {
                guard case .string(let id)? = stale["id"] else { continue }
                _ = try await client.expect(.DELETE, "/\(collection)/\(id)")
                changes.append("deleted \(collection.dropLast()) \(Self.label(stale))")
            }
        }
        return changes
    }

    private func upsert(_ collection: String, _ name: String, _ body: [String: JSONValue], path: String, writePath: String? = nil) async throws -> String? {
        let current = try await client.expect(.GET, path, allowNotFound: true)
        let kind = String(collection.dropLast())
        if case .object(let existing)? = current {
            guard Self.isOurs(existing) else {
                throw KongAdminClient.Failure(description: "\(kind) \(name) exists but is not tagged \(KongConfiguration.tag); refusing to change it")
            }
            if Self.isSubset(.object(body), of: .object(existing)) { return nil }
        }
        _ = try await client.expect(.PUT, writePath ?? path, body: .object(body))
        return current == nil ? "created \(kind) \(name)" : "updated \(kind) \(name)"
    }

    private func syncTargets(_ upstream: String) async throws -> [String] {
        var changes: [String] = []
        let existing = try await client.collection("/upstreams/\(upstream)/targets")
        let wanted = desired.targets.map(desired.targetBody)
        for target in wanted where !existing.contains(where: { Self.isSubset(.object(target), of: .object($0)) }) {
            _ = try await client.expect(.POST, "/upstreams/\(upstream)/targets", body: .object(target))
            changes.append("added target \(Self.label(target))")
        }
        for item in existing where Self.isOurs(item) && !wanted.contains(where: { Self.isSubset(.object($0), of: .object(item)) }) {
            guard case .string(let id)? = item["id"] else { continue }
            _ = try await client.expect(.DELETE, "/upstreams/\(upstream)/targets/\(id)")
            changes.append("removed target \(Self.label(item))")
        }
        return changes
    }

    /// Kong answers with every default filled in, so an object matches when everything citiesd sets
    /// is there with the same value (recursively for nested objects; arrays compare whole).
    static func isSubset(_ wanted: JSONValue, of actual: JSONValue) -> Bool {
        switch (wanted, actual) {
        case (.object(let wantedFields), .object(let actualFields)):
            return wantedFields.allSatisfy { key, value in isSubset(value, of: actualFields[key] ?? .null) }
        case (.integer(let left), .number(let right)), (.number(let right), .integer(let left)):
            return Double(left) == right
        default:
            return wanted == actual
        }
    }

    static func isOurs(_ object: [String: JSONValue]) -> Bool {
        if case .array(let tags)? = object["tags"] { return tags.contains(.string(KongConfiguration.tag)) }
        return false
    }

    static func label(_ object: [String: JSONValue]) -> String {
        for key in ["name", "target", "id"] { if case .string(let value)? = object[key] { return value } }
        return "?"
    }
}
