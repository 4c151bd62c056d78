import CitiesCore
import CitiesPG
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import ServiceLifecycle
import Testing

@testable import citiesd

/// Timeouts, the connection limit, parse errors and draining, through a live server and raw
/// sockets; `health/` answers without a database.
@Suite struct ConnectionGuardTests {
    static let health = "GET /ws/cities/health/ HTTP/1.1\r\nHost: localhost\r\n\r\n"

    /// A live server on a free port, without Hummingbird's test client (whose own connection
    /// would count against the limits).
    func withServer(_ limits: ConnectionLimits, drain: DrainState = DrainState(),
                    _ body: @escaping @Sendable (_ port: Int, _ registry: ConnectionRegistry) async throws -> Void) async throws {
        var quiet = Logger(label: "test")
        quiet.logLevel = .critical  // the counts cannot load without a database, and say so every poll
        let pool = PGPool(configuration: PGPoolConfiguration(
            connection: PGConfiguration("host=127.0.0.1 port=1 connect_timeout=1"), maxConnections: 1, acquireTimeout: .seconds(1)),
            logger: quiet)
        var dependencies = APIDependencies(pool: pool, metadata: ServiceMetadata(), logger: quiet)
        dependencies.drain = drain
        let registry = ConnectionRegistry(limits: limits, logger: quiet)
        let (ports, listening) = AsyncStream<Int>.makeStream()
        let app = try buildApplication(
            api: try APIConfiguration(prefix: "/ws/cities"), dependencies: dependencies,
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)), connections: registry,
            onServerRunning: { listening.yield($0.localAddress?.port ?? 0) }, logger: quiet)
        let group = ServiceGroup(services: [app], gracefulShutdownSignals: [], logger: quiet)
        try await withThrowingTaskGroup { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            do {
                try await body(port, registry)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    static func limits(idle: Duration = .seconds(60), header: Duration = .seconds(60), body: Duration = .seconds(60), max: Int = 100) -> ConnectionLimits {
        ConnectionLimits(idleTimeout: idle, headerTimeout: header, bodyTimeout: body, maxConnections: max)
    }

    /// Polls `condition` until it holds or `timeout` passes.
    static func eventually(within timeout: Duration = .seconds(5), _ condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !condition() {
            guard ContinuousClock.now < deadline else { return false }
            try await Task.sleep(for: .milliseconds(10))
        }
        return true
    }

    /// At least `timeout` (less a little for timer granularity): a shorter deadline must not apply.
    static func expectClosed(_ elapsed: Duration?, after timeout: Duration) {
        guard let elapsed else {
            Issue.record("still open")
            return
        }
        #expect(elapsed >= timeout * 0.9, "closed after \(elapsed), before its \(timeout) timeout")
    }

    @Test func idleKeepAliveConnectionIsClosedAfterTheIdleTimeout() async throws {
        try await withServer(Self.limits(idle: .seconds(3), header: .seconds(1))) { port, _ in
            let connection = try await RawConnection(port: port)
            let sent = ContinuousClock.now
            try await connection.send(Self.health)
            let response = try await connection.response()
            #expect(response.status == 200)
            #expect(response.header("Connection") != "close")
            Self.expectClosed(try await connection.closedByServer(within: .seconds(15), since: sent), after: .seconds(3))
        }
    }

    @Test func silentNewConnectionIsClosedAfterTheHeaderTimeout() async throws {
        try await withServer(Self.limits(idle: .seconds(60), header: .seconds(1))) { port, _ in
            let connecting = ContinuousClock.now
            let connection = try await RawConnection(port: port)
            Self.expectClosed(try await connection.closedByServer(within: .seconds(10), since: connecting), after: .seconds(1))
        }
    }

    /// Slowloris: a head trickling in a byte at a time is cut off when the header timeout passes,
    /// counted from its first byte, and answered 408.
    @Test func tricklingHeadIsAnswered408AtTheHeaderTimeout() async throws {
        try await withServer(Self.limits(header: .seconds(1))) { port, _ in
            let connection = try await RawConnection(port: port)
            let started = ContinuousClock.now
            try await connection.send("GET /ws/cities/health/ HTTP/1.1\r\nHost: localhost\r\n")
            let writer = connection.writer
            let trickle = Task {
                while !Task.isCancelled {
                    try await Task.sleep(for: .milliseconds(200))
                    try await writer.send("X")
                }
            }
            defer { trickle.cancel() }
            let response = try await connection.response(within: .seconds(8))
            let elapsed = ContinuousClock.now - started
            #expect(response.status == 408)
            #expect(response.header("Content-Type") == "application/json")
            #expect(response.header("Connection") == "close")
            #expect(response.body == #"{"detail":"Timed out reading the request headers."}"#)
            #expect(elapsed >= .milliseconds(900))
            #expect(try await connection.closedByServer(within: .seconds(5)) != nil)
        }
    }

    @Test func stalledBodyIsClosedAfterTheBodyTimeoutButAProgressingOneIsNot() async throws {
        try await withServer(Self.limits(header: .seconds(30), body: .seconds(3))) { port, _ in
            // Progressing: 40 bytes, one every 100 ms (4 s in all, past the 3 s body timeout, with a
            // 30-fold margin per byte for a loaded machine), then the next request.
            let steady = try await RawConnection(port: port)
            try await steady.send("GET /ws/cities/health/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: 40\r\n\r\n")
            try await steady.writer.trickle(String(repeating: "x", count: 40), every: .milliseconds(100))
            #expect(try await steady.response().status == 200)
            try await steady.send(Self.health)
            #expect(try await steady.response().status == 200)

            // Stalled: 2 of 100 bytes, then nothing.
            let stalled = try await RawConnection(port: port)
            let sent = ContinuousClock.now
            try await stalled.send("GET /ws/cities/health/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\nxx")
            Self.expectClosed(try await stalled.closedByServer(within: .seconds(20), since: sent), after: .seconds(3))
        }
    }

    @Test func aClientExpectingContinueIsToldToSendItsBody() async throws {
        try await withServer(Self.limits()) { port, _ in
            let connection = try await RawConnection(port: port)
            try await connection.send("POST /ws/cities/ HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n")
            #expect(try await connection.response(within: .seconds(5)).status == 100, "before any byte of the body")
            try await connection.send("{}")
            #expect(try await connection.response(within: .seconds(5)).status == 401)
        }
    }

    @Test func atTheLimitTheLongestIdleConnectionMakesRoom() async throws {
        try await withServer(Self.limits(max: 2)) { port, registry in
            let first = try await RawConnection(port: port)
            try await first.send(Self.health)
            #expect(try await first.response().status == 200)
            let second = try await RawConnection(port: port)
            try await second.send(Self.health)
            #expect(try await second.response().status == 200)

            let third = try await RawConnection(port: port)
            try await third.send(Self.health)
            #expect(try await third.response().status == 200)
            #expect(try await first.closedByServer(within: .seconds(5)) != nil, "the longest-idle connection is closed")
            try await second.send(Self.health)
            #expect(try await second.response().status == 200)
            #expect(try await Self.eventually { registry.openConnections == 2 })
        }
    }

    @Test func whenEveryConnectionIsBusyANewOneIsRefusedWith503() async throws {
        try await withServer(Self.limits(max: 1)) { port, _ in
            // Busy: its request is answered while its body is still arriving.
            let busy = try await RawConnection(port: port)
            try await busy.send("GET /ws/cities/health/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\n\r\nab")
            #expect(try await busy.response().status == 200)

            let refused = try await RawConnection(port: port)
            try await refused.send(Self.health)
            let response = try await refused.response()
            #expect(response.status == 503)
            #expect(response.header("Retry-After") == "1")
            #expect(response.header("Connection") == "close")
            #expect(response.body == #"{"detail":"Service temporarily unavailable, try again later."}"#)
            #expect(try await refused.closedByServer(within: .seconds(5)) != nil)

            try await busy.send("cd" + Self.health)
            #expect(try await busy.response().status == 200, "the connection being served is not disturbed")
        }
    }

    @Test func oversizedHeadersAre431AndMalformedRequests400WithJSON() async throws {
        try await withServer(Self.limits()) { port, _ in
            let oversized = try await RawConnection(port: port)
            try await oversized.send("GET /ws/cities/health/ HTTP/1.1\r\nHost: localhost\r\nX-Big: \(String(repeating: "a", count: 100_000))\r\n\r\n")
            let tooLarge = try await oversized.response()
            #expect(tooLarge.status == 431)
            #expect(tooLarge.header("Content-Type") == "application/json")
            #expect(tooLarge.body == #"{"detail":"Request header fields too large."}"#)
            #expect(tooLarge.header("Date")?.hasSuffix(" GMT") == true)

            let malformed = try await RawConnection(port: port)
            try await malformed.send("GET /ws/cities/health/ HTTP/1.1\r\nHost localhost\r\n\r\n")
            let bad = try await malformed.response()
            #expect(bad.status == 400)
            #expect(bad.body == #"{"detail":"Malformed HTTP request."}"#)
        }
    }

    @Test func whileDrainingResponsesCloseTheirConnectionAndReadyIs503() async throws {
        let drain = DrainState()
        try await withServer(Self.limits(), drain: drain) { port, _ in
            let connection = try await RawConnection(port: port)
            try await connection.send(Self.health)
            #expect(try await connection.response().header("Connection") != "close")
            drain.begin()
            try await connection.send(Self.health)
            let response = try await connection.response()
            #expect(response.status == 200)
            #expect(response.header("Connection") == "close")
            #expect(try await connection.closedByServer(within: .seconds(5)) != nil)

            let probe = try await RawConnection(port: port)
            try await probe.send("GET /ws/cities/ready/ HTTP/1.1\r\nHost: localhost\r\n\r\n")
            let ready = try await probe.response()
            #expect(ready.status == 503)
            #expect(ready.body == #"{"detail":"Shutting down."}"#)
        }
    }
}
