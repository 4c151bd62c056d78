import CitiesPG
import CitiesPGTesting
import Foundation
import Testing

/// `citiesd serve` stopped by SIGTERM behind a gateway: ready/ turns 503 first, a keep-alive client
/// is still answered (told to reconnect), and the process exits 0 after the drain period.
@Suite struct DrainTests {
    @Test func sigtermDrainsKeepAliveClientsThenExitsZero() async throws {
        let database = try await EmbeddedPostgres.makeTestDatabase(migrated: true)
        let drainPeriod = Duration.seconds(3)
        let server = try ServingCitiesd(arguments: [
            "serve", "--database-url", database.connectionString, "--port", "0", "--drain-period", "3", "--grace-period", "5",
        ])
        defer { if server.running.process.isRunning { kill(server.running.process.processIdentifier, SIGKILL) } }
        #expect(try await server.waitUntilReady())

        let keepAlive = try await RawConnection(port: server.port, host: "127.0.0.1")
        try await keepAlive.send(ConnectionGuardTests.health)
        #expect(try await keepAlive.response().header("Connection") != "close")

        kill(server.running.process.processIdentifier, SIGTERM)
        let signalled = ContinuousClock.now

        // ready/ turns 503 while new connections are still accepted.
        var ready: RawConnection.Response?
        while ContinuousClock.now < signalled + .seconds(10) {
            let probe = try await RawConnection(port: server.port, host: "127.0.0.1")
            try await probe.send("GET /ws/cities/ready/ HTTP/1.1\r\nHost: localhost\r\n\r\n")
            ready = try await probe.response()
            if ready?.status == 503 { break }
        }
        #expect(ready?.status == 503)
        #expect(ready?.body == #"{"detail":"Shutting down."}"#)

        // The idle keep-alive connection is still answered, and told to reconnect.
        try await keepAlive.send(ConnectionGuardTests.health)
        let answer = try await keepAlive.response()
        #expect(answer.status == 200)
        #expect(answer.header("Connection") == "close")
        #expect(try await keepAlive.closedByServer(within: .seconds(5)) != nil)

        while server.running.process.isRunning, ContinuousClock.now < signalled + .seconds(20) {
            try await Task.sleep(for: .milliseconds(20))
        }
        let stopped = ContinuousClock.now - signalled
        try #require(!server.running.process.isRunning, "citiesd must exit within the drain and grace periods")
        #expect(server.running.process.terminationStatus == 0)
        #expect(stopped >= drainPeriod * 0.9, "exited after \(stopped), before its drain period")
    }

    @Test func sigintSkipsTheDrain() async throws {
        let database = try await EmbeddedPostgres.makeTestDatabase(migrated: true)
        let server = try ServingCitiesd(arguments: ["serve", "--database-url", database.connectionString, "--port", "0", "--drain-period", "60"])
        defer { if server.running.process.isRunning { kill(server.running.process.processIdentifier, SIGKILL) } }
        #expect(try await server.waitUntilReady())
        kill(server.running.process.processIdentifier, SIGINT)
        let signalled = ContinuousClock.now
        while server.running.process.isRunning, ContinuousClock.now < signalled + .seconds(30) {
            try await Task.sleep(for: .milliseconds(20))
        }
        try #require(!server.running.process.isRunning, "Ctrl-C must not wait for the 60 s drain period")
        #expect(server.running.process.terminationStatus == 0)
    }
}
