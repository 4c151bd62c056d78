import ArgumentParser
import CitiesCore

/// What citiesd owns in Kong: one upstream (the replicas, actively health-checked on `P/ready/`),
/// one service pointing at it, one route for the prefix that keeps the path (`strip_path: false`).
/// Everything carries the `citiesd` tag, so sync touches nothing else.
struct KongConfiguration: Sendable {
    static let tag = "citiesd"
    static let name = "citiesd"

    let prefix: String
    let targets: [String]
    let host: String?

    static let upstreamName = name + "-upstream"
    static let tags: JSONValue = .array([.string(tag)])

    init(prefix: String, targets: [String], host: String?) throws {
        for target in targets {
            let parts = target.split(separator: ":")
            guard parts.count == 2, !parts[0].isEmpty, let port = Int(parts[1]), (1...65535).contains(port) else {
                throw ValidationError("upstream target \(target) is not host:port")
            }
        }
        self.prefix = prefix
        self.targets = targets
        self.host = host
    }

    /// For DB-less Kong (`KONG_DECLARATIVE_CONFIG`) or decK.
    func declarativeConfiguration() -> JSONValue {
        var upstream = self.upstream
        upstream["targets"] = .array(targets.map { .object(targetBody($0)) })
        var service = self.service
        service["routes"] = .array([.object(route)])
        return .object(["_format_version": "3.0", "upstreams": .array([.object(upstream)]), "services": .array([.object(service)])])
    }

    func targetBody(_ target: String) -> [String: JSONValue] {
        ["target": .string(target), "weight": 100, "tags": Self.tags]
    }

    var route: [String: JSONValue] {
        var route: [String: JSONValue] = [
            "name": .string(Self.name), "paths": .array([.string(prefix)]), "strip_path": false, "preserve_host": true,
            "protocols": .array(["http", "https"]), "tags": Self.tags,
        ]
        route["hosts"] = host.map { .array([.string($0)]) } ?? .null
        return route
    }

    var service: [String: JSONValue] {
        [
            "name": .string(Self.name), "protocol": "http", "host": .string(Self.upstreamName), "port": 8080,
            "retries": 3, "connect_timeout": 2000, "read_timeout": 10000, "write_timeout": 10000, "tags": Self.tags,
        ]
    }

    var upstream: [String: JSONValue] {
        [
            "name": .string(Self.upstreamName),
            "tags": Self.tags,
            "healthchecks": .object([
                "active": .object([
                    "type": "http", "http_path": .string(prefix + "/ready/"), "timeout": 2,
                    "healthy": .object(["interval": 5, "successes": 2, "http_statuses": .array([200])]),
                    "unhealthy": .object(["interval": 5, "http_failures": 2, "tcp_failures": 2, "timeouts": 2,
                                          "http_statuses": .array([429, 500, 502, 503, 504])]),
                ]),
            ]),
        ]
    }
}
