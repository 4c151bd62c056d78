import CitiesPG
import CitiesPGTesting
import Foundation
import Testing

@Suite struct PoolTests {
    @Test func exhaustedPoolTimesOutWithClearError() async throws {
        try await withTestPool(maxConnections: 1, acquireTimeout: .milliseconds(200)) { pool in
            let (acquired, acquiredContinuation) = AsyncStream<Void>.makeStream()
            let release = DispatchSemaphore(value: 0)
            let holder = Task {
                try await pool.withConnection { _ in
                    acquiredContinuation.yield()
                    release.wait()
                }
            }
            for await _ in acquired { break }
            let error = await #expect(throws: PGError.self) {
                try await pool.withConnection { try $0.query("SELECT 1") }
            }
            #expect(error?.code == .poolTimeout)
            #expect(error?.isUnavailable == true)
            #expect(error?.description.contains("all 1 in use") == true)
            release.signal()
            try await holder.value
            let answer = try await pool.withConnection { try $0.query("SELECT 1").rowCount }
            #expect(answer == 1)
        }
    }

    @Test func waitersGetConnectionsAsTheyAreReleased() async throws {
        try await withTestPool(maxConnections: 2) { pool in
            let backends = try await withThrowingTaskGroup(of: Int32.self) { group in
                for _ in 0..<20 {
                    group.addTask { try await pool.withConnection { connection in
                        try connection.query("SELECT pg_backend_pid()")
                        return connection.backendPID
                    } }
                }
                return try await group.reduce(into: Set<Int32>()) { $0.insert($1) }
            }
            #expect(backends.count <= 2)
            #expect(pool.openConnections <= 2)
        }
    }

    @Test func transactionCommitsOrRollsBack() async throws {
        try await withTestPool { pool in
            struct Abort: Error {}
            try await pool.withConnection { try $0.query("CREATE TABLE t (v int)") }
            try await pool.withTransaction { try $0.query("INSERT INTO t VALUES (1)") }
            await #expect(throws: Abort.self) {
                try await pool.withTransaction { connection in
                    try connection.query("INSERT INTO t VALUES (2)")
                    throw Abort()
                }
            }
            await #expect(throws: PGError.self) {
                try await pool.withTransaction { connection in
                    try connection.query("INSERT INTO t VALUES (3)")
                    try connection.query("INSERT INTO t VALUES ('three')")
                }
            }
            let values = try await pool.withConnection { try $0.query("SELECT v FROM t ORDER BY v").rows.map { try $0.decode(Int.self, at: 0) } }
            #expect(values == [1])
        }
    }

    @Test func connectionLeftInTransactionIsNotReused() async throws {
        try await withTestPool(maxConnections: 1) { pool in
            let first = try await pool.withConnection { connection in
                try connection.execute(script: "BEGIN")
                return connection.backendPID
            }
            let second = try await pool.withConnection { $0.backendPID }
            #expect(first != second)
        }
    }

    @Test func closedPoolRefusesWork() async throws {
        let pool = try await TestCluster.pool()
        await pool.close()
        let error = await #expect(throws: PGError.self) { try await pool.withConnection { _ in } }
        #expect(error?.code == .poolClosed)
    }

    @Test func reconnectsAfterServerRestart() async throws {
        let cluster = try await EmbeddedPostgres.start(.throwaway())
        let pool = PGPool(configuration: PGPoolConfiguration(connection: cluster.connectionConfiguration(), maxConnections: 2))
        let before = try await pool.withConnection { connection in
            try connection.query("CREATE TABLE survives (v int)")
            try connection.query("INSERT INTO survives VALUES (42)")
            return connection.backendPID
        }
        try await cluster.restart()
        let (after, value) = try await pool.withConnection { connection in
            (connection.backendPID, try connection.query("SELECT v FROM survives").first!.decode(Int.self, at: 0))
        }
        #expect(after != before)
        #expect(value == 42)
        await pool.close()
        try await cluster.stop()
        #expect(!FileManager.default.fileExists(atPath: cluster.configuration.directory.path))
    }

    /// A server that accepts the TCP connection and then says nothing (a frozen postmaster does
    /// this) must not hold a caller past its deadline, whatever `connect_timeout` says.
    @Test func connectingStopsAtTheTasksDeadline() async throws {
        let silent = try SilentListener()
        defer { silent.close() }
        let pool = PGPool(configuration: PGPoolConfiguration(
            connection: PGConfiguration("host=127.0.0.1 port=\(silent.port) dbname=x user=x connect_timeout=60"), maxConnections: 1))
        let started = ContinuousClock.now
        let error = await #expect(throws: PGError.self) {
            try await PGPool.$deadline.withValue(.now + .milliseconds(300)) {
                try await pool.withConnection { try $0.query("SELECT 1") }
            }
        }
        #expect(ContinuousClock.now - started < .seconds(30), "bounded by the deadline, not connect_timeout=60")
        #expect(error?.isUnavailable == true)
        await pool.close()
    }

    /// The deadline bounds a task's calls together: the second call gets what the first left.
    @Test func aTasksCallsShareItsDeadline() async throws {
        try await withTestPool(maxConnections: 1) { pool in
            let error = await #expect(throws: PGError.self) {
                try await PGPool.$deadline.withValue(.now + .milliseconds(600)) {
                    try await pool.withConnection { try $0.query("SELECT pg_sleep(0.4)") }
                    try await pool.withConnection { try $0.query("SELECT pg_sleep(30)") }
                }
            }
            #expect(error?.isResponseTimeout == true)
            #expect(error?.isUnavailable == true)
            let answer = try await pool.withConnection { try $0.query("SELECT 1").rowCount }
            #expect(answer == 1, "the abandoned connection was replaced")
        }
    }

    @Test func queryOnConnectionBrokenMidUseIsUnavailableThenRecovers() async throws {
        try await withTestPool(maxConnections: 1) { pool in
            let error = await #expect(throws: PGError.self) {
                try await pool.withConnection { try $0.query("SELECT pg_terminate_backend(pg_backend_pid())") }
            }
            #expect(error?.isUnavailable == true)
            let answer = try await pool.withConnection { try $0.query("SELECT 1").rowCount }
            #expect(answer == 1)
        }
    }
}

@Suite struct EmbeddedPostgresTests {
    @Test func listensOnLoopbackTCPOnlyWhenAsked() async throws {
        let port = try freeLoopbackPort()
        let cluster = try await EmbeddedPostgres.start(.throwaway(port: port, listensOnTCP: true))
        let tcp = PGConfiguration("postgres://postgres@127.0.0.1:\(port)/postgres")
        let pool = PGPool(configuration: PGPoolConfiguration(connection: tcp, maxConnections: 1))
        let address = try await pool.withConnection { try $0.query("SELECT host(inet_server_addr())").first!.decode(String?.self, at: 0) }
        #expect(address == "127.0.0.1")

        // Password authentication for one role over TCP: a wrong password is a clear connection error.
        let hba = cluster.dataDirectory.appending(path: "pg_hba.conf")
        let rules = try String(contentsOf: hba, encoding: .utf8)
        try ("host all app 127.0.0.1/32 scram-sha-256\n" + rules).write(to: hba, atomically: false, encoding: .utf8)
        try await pool.withConnection { connection in
            try connection.query("SELECT set_config('password_encryption', 'scram-sha-256', false)")
            try connection.execute(script: "CREATE ROLE app LOGIN PASSWORD 'right-password'")
            try connection.query("SELECT pg_reload_conf()")
        }
        await pool.close()
        let wrong = try expectPostgresError {
            _ = try PGConnection.connect(PGConfiguration("postgres://app:wrong-password@127.0.0.1:\(port)/postgres"))
        }
        #expect(wrong.description.contains("password authentication failed for user \"app\""))
        #expect(!wrong.description.contains("wrong-password"))
        let appPool = PGPool(configuration: PGPoolConfiguration(
            connection: PGConfiguration("postgres://app:right-password@127.0.0.1:\(port)/postgres"), maxConnections: 1))
        let user = try await appPool.withConnection { try $0.query("SELECT current_user").first!.decode(String.self, at: 0) }
        await appPool.close()
        #expect(user == "app")
        try await cluster.stop()

        let socketOnlyPort = try freeLoopbackPort()
        let socketOnly = try await EmbeddedPostgres.start(.throwaway(port: socketOnlyPort))
        let viaTCP = PGConfiguration("host=127.0.0.1 port=\(socketOnlyPort) user=postgres connect_timeout=2")
        let refused = #expect(throws: PGError.self) { _ = try PGConnection.connect(viaTCP) }
        let socketPool = PGPool(configuration: PGPoolConfiguration(connection: socketOnly.connectionConfiguration(), maxConnections: 1))
        let viaSocket = try await socketPool.withConnection { try $0.query("SELECT 1").rowCount }
        await socketPool.close()
        try await socketOnly.stop()
        #expect(refused?.description.contains("refused") == true)
        #expect(viaSocket == 1)
    }

    @Test func locatesServerProgramsFromTheUsualPlaces() throws {
        let binaries = try PostgresBinaries.locate(environment: ["PATH": "/nonexistent"])
        #expect(FileManager.default.isExecutableFile(atPath: binaries.initdb.path))
        #expect(FileManager.default.isExecutableFile(atPath: binaries.pgCtl.path))
        #expect(FileManager.default.isExecutableFile(atPath: binaries.postgres.path))
    }

    @Test func runsTheServerAsAnUnprivilegedUser() async throws {
        let shared = try await TestCluster.shared
        let pool = PGPool(configuration: PGPoolConfiguration(connection: shared.connectionConfiguration(), maxConnections: 1))
        let settings = try await pool.withConnection { connection in
            try connection.query("SELECT current_setting('fsync'), current_setting('listen_addresses'), current_setting('server_encoding'), current_setting('lc_ctype')")
                .first.map { row in try (0..<4).map { try row.decode(String.self, at: $0) } }
        }
        await pool.close()
        #expect(settings == ["off", "", "UTF8", "C.UTF-8"])
        let owner = try FileManager.default.attributesOfItem(atPath: shared.dataDirectory.path)[.ownerAccountID] as? Int
        #expect(owner != 0, "PostgreSQL refuses to run as root")
    }
}

/// Asks the kernel for a free port on 127.0.0.1.
func freeLoopbackPort() throws -> Int {
    let listener = try SilentListener()
    listener.close()
    return listener.port
}

/// A loopback TCP socket that listens and never answers: the kernel completes connections into
/// its backlog, as it does for a frozen server.
struct SilentListener {
    let descriptor: Int32
    let port: Int

    init() throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) { [descriptor] pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && listen(descriptor, 16) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard listening else {
            Glibc.close(descriptor)
            throw PGError.unexpected("cannot listen on a loopback socket")
        }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() { Glibc.close(descriptor) }
}
