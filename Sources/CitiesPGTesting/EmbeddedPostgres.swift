import CitiesPG
import Foundation
import Logging
import NIOPosix
import Synchronization

/// A private PostgreSQL cluster: created with `initdb` on first use, reachable only through a unix
/// socket inside its folder (TCP on 127.0.0.1 only when asked), stopped with ``stop()``.
///
/// Tests use throwaway clusters (a temporary folder, fsync off, deleted on stop); `citiesd serve
/// --embedded` keeps a persistent one under the project folder. A watchdog process stops the server
/// when this process ends in any way, even killed, so no `postgres` outlives its owner.
/// PostgreSQL refuses to run as root: when started as root, the cluster belongs to and runs as the
/// `postgres` user (or `nobody`).
public final class EmbeddedPostgres: Sendable {
    /// Where a cluster lives and how it is reached; ``throwaway(port:listensOnTCP:)`` and
    /// ``persistent(at:port:listensOnTCP:)`` make the usual ones.
    public struct Configuration: Sendable, Hashable {
        /// Holds `data/` (the cluster), `socket/` and `postgres.log`.
        public var directory: URL
        /// Throwaway clusters skip fsync and are deleted when stopped.
        public var isThrowaway: Bool
        /// The port in the socket's name, and on 127.0.0.1 when ``listensOnTCP``.
        public var port: Int
        /// Also listen on 127.0.0.1 (for tools outside this process); the unix socket always works.
        public var listensOnTCP: Bool
        /// The role `initdb` creates and every connection uses; trusted, so it needs no password.
        public var superuser: String

        /// By default port 5432, socket only, superuser `postgres`.
        public init(directory: URL, isThrowaway: Bool, port: Int = 5432, listensOnTCP: Bool = false, superuser: String = "postgres") {
            self.directory = directory
            self.isThrowaway = isThrowaway
            self.port = port
            self.listensOnTCP = listensOnTCP
            self.superuser = superuser
        }

        /// A new temporary folder under /tmp (short, so the socket path fits).
        public static func throwaway(port: Int = 5432, listensOnTCP: Bool = false) throws -> Configuration {
            var template = Array("/tmp/citiesd-pg-XXXXXX".utf8CString)
            guard let path = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
                throw EmbeddedPostgresError.commandFailed(command: "mkdtemp", status: errno, output: String(cString: strerror(errno)))
            }
            return Configuration(directory: URL(fileURLWithPath: String(cString: path)), isThrowaway: true, port: port, listensOnTCP: listensOnTCP)
        }

        /// A cluster kept in `directory` across runs, with fsync on; created on first start.
        public static func persistent(at directory: URL, port: Int = 5432, listensOnTCP: Bool = false) -> Configuration {
            Configuration(directory: directory.standardizedFileURL, isThrowaway: false, port: port, listensOnTCP: listensOnTCP)
        }
    }

    /// The cluster's folder, port and superuser.
    public let configuration: Configuration
    /// The server programs the cluster runs with, found when it started.
    public let binaries: PostgresBinaries
    /// The unprivileged user the server runs as when this process is root.
    private let serverUser: String?
    private let watchdog: Mutex<Watchdog?>

    private struct Watchdog {
        let pid: pid_t
        let input: Int32
    }
    private let logger: Logger

    /// The cluster itself (`PGDATA`): `data/` in the configured folder.
    public var dataDirectory: URL { configuration.directory.appending(path: "data") }
    /// Where the server's unix socket is (`socket/`): the `host` of ``connectionConfiguration(database:)``.
    public var socketDirectory: URL { configuration.directory.appending(path: "socket") }
    /// The server's log (`postgres.log`): look here when it does not start.
    public var logFile: URL { configuration.directory.appending(path: "postgres.log") }

    private init(configuration: Configuration, binaries: PostgresBinaries, serverUser: String?, logger: Logger) {
        self.configuration = configuration
        self.binaries = binaries
        self.serverUser = serverUser
        self.watchdog = Mutex(nil)
        self.logger = logger
    }

    /// Creates the cluster if needed and starts it; returns once a real query has answered.
    public static func start(
        _ configuration: Configuration,
        logger: Logger = Logger(label: "citiesd.embedded-postgres")
    ) async throws -> EmbeddedPostgres {
        try await NIOThreadPool.singleton.runIfActive {
            let cluster = EmbeddedPostgres(
                configuration: configuration, binaries: try PostgresBinaries.locate(),
                serverUser: try unprivilegedUserIfRoot(), logger: logger)
            do {
                try cluster.startBlocking()
            } catch {
                if configuration.isThrowaway { try? FileManager.default.removeItem(at: configuration.directory) }
                throw error
            }
            return cluster
        }
    }

    /// A connection to `database` as the superuser, through the cluster's unix socket.
    public func connectionConfiguration(database: String = "postgres") -> PGConfiguration {
        PGConfiguration(ConnectionString.conninfo([
            "host": socketDirectory.path, "port": "\(configuration.port)",
            "user": configuration.superuser, "dbname": database,
        ]))
    }

    /// Stops the server (fast shutdown) and, for a throwaway cluster, deletes its folder.
    public func stop() async throws {
        try await NIOThreadPool.singleton.runIfActive {
            try self.pgCtl(["stop", "-m", "fast", "-w"])
            self.dismissWatchdog()
            self.logger.info("embedded PostgreSQL stopped", metadata: ["directory": "\(self.configuration.directory.path)"])
        }
    }

    /// Restarts the server (fast shutdown); connections open before it break.
    public func restart() async throws {
        try await NIOThreadPool.singleton.runIfActive {
            try self.pgCtl(["restart", "-m", "fast", "-w", "-t", "60", "-l", self.logFile.path])
            try self.waitForQuery()
        }
    }

    // MARK: Start

    private func startBlocking() throws {
        let fileManager = FileManager.default
        try fileManager.createDirectory(at: configuration.directory, withIntermediateDirectories: true)
        try fileManager.createDirectory(at: socketDirectory, withIntermediateDirectories: true)
        let socketPath = socketDirectory.appending(path: ".s.PGSQL.\(configuration.port)").path
        guard socketPath.utf8.count < 108 else { throw EmbeddedPostgresError.socketPathTooLong(socketPath) }
        if let serverUser {
            try giveOwnership(of: [configuration.directory, socketDirectory], to: serverUser)
            let probe = try ChildProcess.run(URL(fileURLWithPath: "/usr/bin/test"), ["-x", configuration.directory.path], asUser: serverUser)
            guard probe.status == 0 else {
                throw EmbeddedPostgresError.directoryNotAccessible(path: configuration.directory.path, user: serverUser)
            }
        }

        if !fileManager.fileExists(atPath: dataDirectory.appending(path: "PG_VERSION").path) {
            var arguments = [
                "-D", dataDirectory.path, "-U", configuration.superuser, "--auth=trust",
                "--encoding=UTF8", "--locale=C.UTF-8",
            ]
            if configuration.isThrowaway { arguments.append("--no-sync") }
            logger.info("creating PostgreSQL cluster", metadata: ["directory": "\(dataDirectory.path)"])
            try ChildProcess.check(binaries.initdb, arguments, asUser: serverUser)
            let include = "\ninclude_if_exists = 'citiesd.conf'\n"
            let handle = try FileHandle(forWritingTo: dataDirectory.appending(path: "postgresql.conf"))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(include.utf8))
            try handle.close()
        }
        try writeSettings()
        if try ChildProcess.run(binaries.pgCtl, ["-D", dataDirectory.path, "status"], asUser: serverUser).status == 0 {
            throw EmbeddedPostgresError.alreadyRunning(dataDirectory: dataDirectory.path)
        }
        try startWatchdog()
        try pgCtl(["start", "-w", "-t", "60", "-l", logFile.path])
        try waitForQuery()
        logger.info("embedded PostgreSQL started", metadata: ["socket": "\(socketDirectory.path)", "port": "\(configuration.port)"])
    }

    /// Settings rewritten on every start, so a moved folder or a changed port takes effect.
    private func writeSettings() throws {
        var settings: [(String, String)] = [
            ("listen_addresses", configuration.listensOnTCP ? "127.0.0.1" : ""),
            ("port", "\(configuration.port)"),
            ("unix_socket_directories", socketDirectory.path),
            ("max_connections", "200"),
        ]
        if configuration.isThrowaway {
            settings += [("fsync", "off"), ("synchronous_commit", "off"), ("full_page_writes", "off")]
        }
        let text = settings.map { "\($0.0) = '\($0.1.replacingOccurrences(of: "'", with: "''"))'\n" }.joined()
        let file = dataDirectory.appending(path: "citiesd.conf")
        try text.write(to: file, atomically: true, encoding: .utf8)
    }

    private func waitForQuery() throws {
        let connection = connectionConfiguration()
        var lastError: Error?
        for _ in 0..<100 {
            do {
                let result = try PGConnection.connect(connection).query("SELECT 1")
                if try result.first?.decode(Int.self, at: 0) == 1 { return }
            } catch {
                lastError = error
                usleep(50_000)
            }
        }
        throw lastError ?? PGError.unexpected("the embedded server never answered SELECT 1")
    }

    @discardableResult
    private func pgCtl(_ arguments: [String]) throws -> String {
        try ChildProcess.check(binaries.pgCtl, ["-D", dataDirectory.path] + arguments, asUser: serverUser)
    }

    // MARK: Watchdog

    /// Starts `sh` in its own session with a pipe from this process as its standard input. When this
    /// process ends, however it ends, the pipe closes, `cat` returns, and the script stops the server
    /// (and deletes a throwaway cluster). Ctrl-C reaches neither it nor the server (pg_ctl detaches it).
    private func startWatchdog() throws {
        var ends: [Int32] = [0, 0]
        try ChildProcess.descriptorLock.withLock { _ in
            guard pipe(&ends) == 0 else { throw EmbeddedPostgresError.commandFailed(command: "pipe", status: errno, output: "") }
            _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
            _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
        }
        defer { close(ends[0]) }
        let script = """
            cat > /dev/null
            if [ -n "$CITIESD_SERVER_USER" ]; then set -- /usr/sbin/runuser -u "$CITIESD_SERVER_USER" --; else set --; fi
            "$@" "$CITIESD_PG_CTL" -D "$CITIESD_PGDATA" stop -m immediate -w > /dev/null 2>&1
            if [ -n "$CITIESD_REMOVE" ]; then rm -rf "$CITIESD_REMOVE"; fi
            """
        let shell = ["/bin/sh", "-c", script]
        let setsid = "/usr/bin/setsid"
        let pid = try ChildProcess.spawn(
            FileManager.default.isExecutableFile(atPath: setsid) ? [setsid] + shell : shell,
            standardInput: ends[0], outputPath: nil,
            environment: [
                "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
                "CITIESD_SERVER_USER=\(serverUser ?? "")",
                "CITIESD_PG_CTL=\(binaries.pgCtl.path)",
                "CITIESD_PGDATA=\(dataDirectory.path)",
                "CITIESD_REMOVE=\(configuration.isThrowaway ? configuration.directory.path : "")",
            ])
        watchdog.withLock { $0 = Watchdog(pid: pid, input: ends[1]) }
    }

    /// Closes the watchdog's input and waits for it: it finds the server stopped and, for a
    /// throwaway cluster, deletes the folder.
    private func dismissWatchdog() {
        guard let dismissed = watchdog.withLock({ current -> Watchdog? in
            defer { current = nil }
            return current
        }) else { return }
        close(dismissed.input)
        _ = ChildProcess.waitForExit(dismissed.pid)
    }

    // MARK: Running as root

    private static func unprivilegedUserIfRoot() throws -> String? {
        guard geteuid() == 0 else { return nil }
        for candidate in ["postgres", "nobody"] where getpwnam(candidate) != nil {
            return candidate
        }
        throw EmbeddedPostgresError.noUnprivilegedUser
    }

    private func giveOwnership(of directories: [URL], to user: String) throws {
        guard let account = getpwnam(user) else { throw EmbeddedPostgresError.noUnprivilegedUser }
        for directory in directories where chown(directory.path, account.pointee.pw_uid, account.pointee.pw_gid) != 0 {
            throw EmbeddedPostgresError.commandFailed(command: "chown \(user) \(directory.path)", status: errno, output: String(cString: strerror(errno)))
        }
    }
}

extension EmbeddedPostgres {
    /// Creates the database (named `[a-z_][a-z0-9_]*`) unless it exists, and returns its connection
    /// settings: tests give each case a database of its own on one shared cluster.
    public func createDatabaseIfMissing(_ name: String) async throws -> PGConfiguration {
        let isIdentifier = name.first.map { $0 == "_" || ("a"..."z").contains($0) } == true
            && name.allSatisfy { $0 == "_" || ("a"..."z").contains($0) || ("0"..."9").contains($0) } && name.count <= 63
        guard isIdentifier else {
            throw PGError.invalidParameter(index: 1, reason: "database name \(name) is not [a-z_][a-z0-9_]*")
        }
        let administration = connectionConfiguration()
        // CREATE DATABASE takes no parameters; the name was checked to be a plain identifier above.
        _ = try await NIOThreadPool.singleton.runIfActive {
            let connection = try PGConnection.connect(administration)
            if try connection.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]).rowCount == 0 {
                try connection.execute(script: "CREATE DATABASE \(name)")
            }
        }
        return connectionConfiguration(database: name)
    }
}
