import CitiesPG
import Foundation

/// Where the PostgreSQL server programs (`initdb`, `pg_ctl`, `postgres`) live.
public struct PostgresBinaries: Sendable, Hashable {
    /// The folder holding the programs, e.g. `/usr/lib/postgresql/16/bin`.
    public let directory: URL

    /// `initdb`, which creates a cluster.
    public var initdb: URL { directory.appending(path: "initdb") }
    /// `pg_ctl`, which starts, stops and restarts the server.
    public var pgCtl: URL { directory.appending(path: "pg_ctl") }
    /// `postgres`, the server itself.
    public var postgres: URL { directory.appending(path: "postgres") }

    /// Programs in `directory`, which is not checked; ``locate(environment:)`` finds a folder that
    /// holds all three.
    public init(directory: URL) {
        self.directory = directory
    }

    /// Searches `PATH`, then `pg_config --bindir`, then `/usr/lib/postgresql/*/bin` (newest first).
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> PostgresBinaries {
        for candidate in candidateDirectories(environment: environment) where containsServerPrograms(candidate) {
            return PostgresBinaries(directory: candidate)
        }
        throw EmbeddedPostgresError.binariesNotFound
    }

    static func candidateDirectories(environment: [String: String]) -> [URL] {
        var directories = (environment["PATH"] ?? "").split(separator: ":").map { URL(fileURLWithPath: String($0)) }
        if let bindir = pgConfigBindir(environment: environment) { directories.append(bindir) }
        let versioned = URL(fileURLWithPath: "/usr/lib/postgresql")
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: versioned.path)) ?? []
        directories += versions.compactMap { Int($0) }.sorted(by: >).map { versioned.appending(path: "\($0)/bin") }
        return directories
    }

    private static func containsServerPrograms(_ directory: URL) -> Bool {
        ["initdb", "pg_ctl", "postgres"].allSatisfy {
            FileManager.default.isExecutableFile(atPath: directory.appending(path: $0).path)
        }
    }

    private static func pgConfigBindir(environment: [String: String]) -> URL? {
        let searchPath = (environment["PATH"] ?? "") + ":/usr/bin:/usr/local/bin"
        for directory in searchPath.split(separator: ":") {
            let pgConfig = URL(fileURLWithPath: String(directory)).appending(path: "pg_config")
            guard FileManager.default.isExecutableFile(atPath: pgConfig.path),
                  let output = try? ChildProcess.run(pgConfig, ["--bindir"]), output.status == 0
            else { continue }
            let path = output.output.trimmingCharacters(in: .whitespacesAndNewlines)
            return path.isEmpty ? nil : URL(fileURLWithPath: path)
        }
        return nil
    }
}
