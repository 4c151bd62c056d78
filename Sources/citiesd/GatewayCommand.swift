import ArgumentParser
import CitiesCore
import Foundation

struct GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "Kong gateway configuration for citiesd.",
        subcommands: [Render.self]
    )

    struct Render: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print Kong declarative configuration (JSON, which is also YAML) for DB-less Kong or decK.")

        @Option(help: "An upstream target host:port, repeatable (the citiesd replicas). Default: 127.0.0.1:8080.")
        var target: [String] = []

        @Option(help: "Only route requests for this host name.")
        var host: String?

        @Option(help: "The JSON file holding the URI prefix. Env: CITIESD_PACKAGE_JSON. Default: config/package.json.")
        var packageJSON: String?

        @Option(help: "Write to this file instead of standard output.")
        var output: String?

        func run() async throws {
            let environment = Environment()
            let api = try APIConfiguration.load(from: try environment.resolve(packageJSON, "CITIESD_PACKAGE_JSON", default: "config/package.json"))
            let document = try KongConfiguration(
                prefix: api.prefix, targets: target.isEmpty ? ["127.0.0.1:8080"] : target, host: host
            ).declarativeConfiguration()
            let data = try JSONResponse.encoder.encode(document) + Data("\n".utf8)
            if let output {
                try data.write(to: URL(fileURLWithPath: output), options: .atomic)
            } else {
                FileHandle.standardOutput.write(data)
            }
        }
    }
}

/// What citiesd owns in Kong: one upstream (the replicas, actively health-checked on `P/ready/`),
/// one service pointing at it, one route for the prefix that keeps the path (`strip_path: false`).
/// Everything carries the `citiesd` tag, so sync touches nothing else.
struct KongConfiguration: Sendable {
    static let tag = "citiesd"
    static let name = "citiesd"

    let prefix: String
    let targets: [String]
    let host: String?

    func declarativeConfiguration() throws -> JSONValue {
        for target in targets {
            let parts = target.split(separator: ":")
            guard parts.count == 2, !parts[0].isEmpty, let port = Int(parts[1]), (1...65535).contains(port) else {
                throw ValidationError("upstream target \(target) is not host:port")
            }
        }
        let tags: JSONValue = .array([.string(Self.tag)])
        var route: [String: JSONValue] = [
            "name": .string(Self.name), "paths": .array([.string(prefix)]), "strip_path": false, "preserve_host": true,
            "protocols": .array(["http", "https"]), "tags": tags,
        ]
        if let host { route["hosts"] = .array([.string(host)]) }
        return .object([
            "_format_version": "3.0",
            "upstreams": .array([.object([
                "name": .string(Self.name + "-upstream"),
                "tags": tags,
                "targets": .array(targets.map { .object(["target": .string($0), "weight": 100, "tags": tags]) }),
                "healthchecks": .object([
                    "active": .object([
                        "type": "http", "http_path": .string(prefix + "/ready/"), "timeout": 2,
                        "healthy": .object(["interval": 5, "successes": 2, "http_statuses": .array([200])]),
                        "unhealthy": .object(["interval": 5, "http_failures": 2, "tcp_failures": 2, "timeouts": 2,
                                              "http_statuses": .array([429, 500, 502, 503, 504])]),
                    ]),
                ]),
            ])]),
            "services": .array([.object([
                "name": .string(Self.name), "protocol": "http", "host": .string(Self.name + "-upstream"), "port": 8080,
                "retries": 3, "connect_timeout": 2000, "read_timeout": 10000, "write_timeout": 10000, "tags": tags,
                "routes": .array([.object(route)]),
            ])]),
        ])
    }
}
