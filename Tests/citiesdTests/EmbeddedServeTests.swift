import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `citiesd serve --embedded`, the README's run command: a private cluster under the given folder,
/// migrated and loaded with sample data; Ctrl-C stops both, and a killed citiesd leaves no postgres.
@Suite struct EmbeddedServeTests {
    @Test func servesOnAPrivateClusterAndLeavesNoOrphanPostgres() async throws {
        let folder = URL(fileURLWithPath: "/tmp/citiesd-serve-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let cluster = folder.appending(path: "pg")

        // First run: creates the cluster, answers ready, stops everything on SIGINT (Ctrl-C).
        let first = try ServingCitiesd(embeddedDirectory: cluster)
        #expect(try await first.get("/ws/cities/ready/").status == 200)
        kill(first.running.process.processIdentifier, SIGINT)
        first.running.process.waitUntilExit()
        #expect(first.running.process.terminationStatus == 0)
        #expect(!FileManager.default.fileExists(atPath: cluster.appending(path: "data/postmaster.pid").path),
                "citiesd must stop its cluster on Ctrl-C")

        // Second run reuses the cluster (already migrated, sample data kept) and is then killed outright.
        let second = try ServingCitiesd(embeddedDirectory: cluster)
        #expect(second.log.contains("loaded sample data") == false)
        #expect(try await second.get("/ws/cities/ready/").status == 200)
        let postmaster = try #require(Int32(try String(contentsOf: cluster.appending(path: "data/postmaster.pid"), encoding: .utf8)
            .split(separator: "\n").first ?? ""))
        kill(second.running.process.processIdentifier, SIGKILL)
        second.running.process.waitUntilExit()
        let deadline = ContinuousClock.now + .seconds(20)
        while kill(postmaster, 0) == 0 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(kill(postmaster, 0) != 0, "the watchdog must stop postgres when citiesd is killed")
    }
}

/// A `citiesd serve --embedded --port 0` child, started and waited for by reading its log.
struct ServingCitiesd {
    let running: CitiesdProcess.Running
    let port: Int
    let log: String

    init(embeddedDirectory: URL) throws {
        try self.init(arguments: ["serve", "--embedded", "--embedded-dir", embeddedDirectory.path, "--port", "0"])
    }

    init(arguments: [String]) throws {
        running = try CitiesdProcess.start(arguments, currentDirectory: CitiesdProcess.repository)
        var log = ""
        let marker = "listening on 127.0.0.1:"
        while !log.contains(marker) {
            let chunk = running.stderr.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            log += String(decoding: chunk, as: UTF8.self)
        }
        guard let range = log.range(of: marker),
              let port = Int(log[range.upperBound...].prefix { $0.isNumber })
        else { throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "citiesd did not start:\n\(log)"]) }
        self.port = port
        self.log = log
        // Keep draining so the child never blocks on a full pipe.
        let handle = running.stderr.fileHandleForReading
        handle.readabilityHandler = { if $0.availableData.isEmpty { $0.readabilityHandler = nil } }
    }

    /// Polls `ready/` until it answers 200 (the counts are loaded), up to `timeout`.
    func waitUntilReady(within timeout: Duration = .seconds(30)) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if (try? await get("/ws/cities/ready/"))?.status == 200 { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    func get(_ path: String) async throws -> (status: Int, body: String) {
        let (data, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        return ((response as! HTTPURLResponse).statusCode, String(decoding: data, as: UTF8.self))
    }
}
