import CitiesPG
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
            let error = await #expect(throws: PostgresError.self) {
                try await pool.withConnection { try $0.query("SELECT 1") }
            }
            guard case .poolTimeout(let maxConnections, _) = error else { Issue.record("got \(String(describing: error))"); return }
            #expect(maxConnections == 1)
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
            await #expect(throws: PostgresError.self) {
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
        let error = await #expect(throws: PostgresError.self) { try await pool.withConnection { _ in } }
        guard case .poolClosed = error else { Issue.record("got \(String(describing: error))"); return }
    }

    @Test func reconnectsAfterServerRestart() async throws {
        let cluster = try await EmbeddedPostgres.start(.throwaway())
        let pool = PostgresPool(configuration: PostgresPoolConfiguration(connection: cluster.connectionConfiguration(), maxConnections: 2))
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

    @Test func queryOnConnectionBrokenMidUseIsUnavailableThenRecovers() async throws {
        try await withTestPool(maxConnections: 1) { pool in
            let error = await #expect(throws: PostgresError.self) {
                try await pool.withConnection { try $0.query("SELECT pg_terminate_backend(pg_backend_pid())") }
            }
            #expect(error?.isUnavailable == true)
            let answer = try await pool.withConnection { try $0.query("SELECT 1").rowCount }
            #expect(answer == 1)
        }
    }
}
