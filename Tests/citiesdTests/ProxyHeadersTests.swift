import CitiesCore
import CitiesPG
import CitiesPGTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import citiesd

/// Through a real socket on loopback, so the peer address is real (127.0.0.1).
@Suite struct ProxyHeadersTests {
    func withLiveApp(trusted: String, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let database = try await EmbeddedPostgres.makeTestDatabase(migrated: true)
        let pool = PGPool(configuration: PGPoolConfiguration(connection: database, maxConnections: 2))
        try await pool.withConnection { connection in
            for name in ["Aachen", "Bonn"] {
                try connection.query("INSERT INTO cities (slug, name, search_name, country_code, timezone) VALUES ($1, $2, $1, 'DE', 'UTC')", [name.lowercased(), name])
            }
        }
        var dependencies = APIDependencies(pool: pool, metadata: ServiceMetadata())
        dependencies.trustedProxies = try TrustedProxies(trusted)
        let app = try buildApplication(api: try APIConfiguration(prefix: "/ws/cities"), dependencies: dependencies, logger: Logger(label: "test"))
        try await app.test(.live, body)
    }

    func nextLink(_ client: any TestClientProtocol, headers: HTTPFields) async throws -> String? {
        try await client.execute(uri: "/ws/cities/?page_size=1", method: .get, headers: headers) { response in
            guard case .object(let body) = try decode(response), case .string(let next) = body["next"] else { return nil }
            return next
        }
    }

    static let forwarded: HTTPFields = [
        HTTPField.Name("X-Forwarded-Proto")!: "https", HTTPField.Name("X-Forwarded-Host")!: "cities.example.org",
        HTTPField.Name("X-Forwarded-Port")!: "8443",
    ]

    @Test func trustedProxyDecidesTheLinks() async throws {
        try await withLiveApp(trusted: "127.0.0.0/8,::1") { client in
            #expect(try await nextLink(client, headers: Self.forwarded) == "https://cities.example.org:8443/ws/cities/?page_size=1&page=2")
            var prefixed = Self.forwarded
            prefixed[HTTPField.Name("X-Forwarded-Port")!] = "443"
            prefixed[HTTPField.Name("X-Forwarded-Prefix")!] = "/edge/"
            #expect(try await nextLink(client, headers: prefixed) == "https://cities.example.org/edge/ws/cities/?page_size=1&page=2")
            let own = try #require(try await nextLink(client, headers: [:]))
            #expect(own.hasPrefix("http://") && own.hasSuffix("/ws/cities/?page_size=1&page=2") && !own.contains("example.org"), "\(own)")
        }
    }

    /// Even a trusted proxy's forwarded values go into links only when they are a host and a path.
    @Test func malformedForwardedValuesAreIgnored() async throws {
        try await withLiveApp(trusted: "127.0.0.0/8,::1") { client in
            for (name, value) in [("X-Forwarded-Host", "evil.example/phish?"), ("X-Forwarded-Host", "user@evil.example"),
                                  ("X-Forwarded-Prefix", "//evil.example"), ("X-Forwarded-Prefix", "/a?b=c#"), ("X-Forwarded-Prefix", "/a/../b")] {
                let link = try #require(try await nextLink(client, headers: [HTTPField.Name(name)!: value]))
                #expect(!link.contains("evil") && !link.contains("?b=") && !link.contains(".."), "\(name): \(value) → \(link)")
                #expect(link.hasSuffix("/ws/cities/?page_size=1&page=2"))
            }
        }
    }

    @Test func untrustedPeersCannotRewriteLinks() async throws {
        try await withLiveApp(trusted: "10.0.0.0/8") { client in
            let link = try #require(try await nextLink(client, headers: Self.forwarded))
            #expect(!link.contains("example.org"))
            #expect(link.hasPrefix("http://"))
        }
    }

    @Test func requestIDsAreReusedOrMade() async throws {
        try await withLiveApp(trusted: "") { client in
            let requestID = HTTPField.Name("X-Request-ID")!
            for name in ["X-Request-ID", "Kong-Request-ID", "X-Kong-Request-Id"] {
                let echoed = try await client.execute(uri: "/ws/cities/health/", method: .get, headers: [HTTPField.Name(name)!: "gw-\(name)-42"]) {
                    $0.headers[requestID]
                }
                #expect(echoed == "gw-\(name)-42")
            }
            let made = try await client.execute(uri: "/ws/cities/health/", method: .get) { $0.headers[requestID] }
            #expect(made.flatMap(UUID.init(uuidString:)) != nil)
            let tooLong = try await client.execute(uri: "/ws/cities/nowhere/", method: .get, headers: [requestID: String(repeating: "x", count: 300)]) {
                ($0.status, $0.headers[requestID])
            }
            #expect(tooLong.0 == .notFound)
            #expect(tooLong.1.flatMap(UUID.init(uuidString:)) != nil)
            var made100: Set<String> = []
            for _ in 0..<100 { made100.insert(try await client.execute(uri: "/ws/cities/health/", method: .get) { $0.headers[requestID] ?? "" }) }
            #expect(made100.count == 100 && made100.allSatisfy { $0 == $0.lowercased() && UUID(uuidString: $0) != nil })
        }
    }

    @Test func proxyListsParse() throws {
        let proxies = try TrustedProxies("10.0.0.0/8, 192.168.1.7, fd00::/8")
        #expect(proxies.blocks.count == 3)
        #expect(throws: TrustedProxiesError.self) { try TrustedProxies("10.0.0.0/33") }
        #expect(throws: TrustedProxiesError.self) { try TrustedProxies("gateway.internal") }
        #expect(try TrustedProxies("").blocks.isEmpty)
    }
}
