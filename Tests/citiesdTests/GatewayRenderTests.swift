import CitiesCore
import Foundation
import Testing

@testable import citiesd

@Suite struct GatewayRenderTests {
    @Test func rendersKongConfigurationFromPackageJSON() throws {
        let result = try CitiesdProcess.run(["gateway", "render", "--target", "citiesd-1:8080", "--target", "citiesd-2:8080", "--host", "api.example.org"],
                                            currentDirectory: CitiesdProcess.repository)
        #expect(result.status == 0, "\(result.stderr)")
        guard case .object(let document) = try JSONDecoder().decode(JSONValue.self, from: Data(result.stdout.utf8)),
              case .array(let services) = document["services"], case .object(let service) = services.first,
              case .array(let routes) = service["routes"], case .object(let route) = routes.first,
              case .array(let upstreams) = document["upstreams"], case .object(let upstream) = upstreams.first,
              case .object(let checks) = upstream["healthchecks"], case .object(let active) = checks["active"]
        else {
            Issue.record("unexpected document: \(result.stdout)")
            return
        }
        #expect(document["_format_version"] == .string("3.0"))
        #expect(route["paths"] == .array([.string("/ws/cities")]))
        #expect(route["strip_path"] == .bool(false))
        #expect(route["hosts"] == .array([.string("api.example.org")]))
        #expect(service["host"] == upstream["name"])
        #expect(active["http_path"] == .string("/ws/cities/ready/"))
        #expect(upstream["targets"] == .array([
            .object(["target": "citiesd-1:8080", "weight": 100, "tags": ["citiesd"]]),
            .object(["target": "citiesd-2:8080", "weight": 100, "tags": ["citiesd"]]),
        ]))
        for tagged in [service, route, upstream] { #expect(tagged["tags"] == .array([.string("citiesd")])) }
    }

    @Test func writesTheFileComposeHandsToKong() throws {
        let file = FileManager.default.temporaryDirectory.appending(path: "kong-\(UUID()).yml")
        defer { try? FileManager.default.removeItem(at: file) }
        let arguments = ["gateway", "render", "--target", "citiesd-1:8080", "--target", "citiesd-2:8080"]
        let written = try CitiesdProcess.run(arguments + ["--output", file.path], currentDirectory: CitiesdProcess.repository)
        #expect(written.status == 0)
        #expect(written.stdout.isEmpty)
        let printed = try CitiesdProcess.run(arguments, currentDirectory: CitiesdProcess.repository)
        #expect(try String(contentsOf: file, encoding: .utf8) == printed.stdout)
    }

    @Test func rejectsBadTargets() throws {
        let result = try CitiesdProcess.run(["gateway", "render", "--target", "citiesd-1"], currentDirectory: CitiesdProcess.repository)
        #expect(result.status == 64)
        #expect(result.stderr.contains("host:port"))
    }
}

@Suite struct GatewayCommandLineTests {
    @Test func syncNeedsAnAdminURLAndSaysWhenItCannotReachIt() throws {
        let missing = try CitiesdProcess.run(["gateway", "sync"], currentDirectory: CitiesdProcess.repository)
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("--admin-url"))
        let unreachable = try CitiesdProcess.run(["gateway", "dump", "--admin-url", "http://127.0.0.1:1"], currentDirectory: CitiesdProcess.repository)
        #expect(unreachable.status == 1)
        #expect(unreachable.stderr.contains("cannot reach the Kong Admin API at http://127.0.0.1:1"))
        let badFile = try CitiesdProcess.run(["gateway", "restore", "/nonexistent.json", "--admin-url", "http://127.0.0.1:1"], currentDirectory: CitiesdProcess.repository)
        #expect(badFile.status == 64)
    }
}
