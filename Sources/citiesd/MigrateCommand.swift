import ArgumentParser
import CitiesPG
import Foundation
import Logging

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply the migrations compiled into citiesd, or report their status.",
        discussion: """
            Exit status: 0 done or up to date, 1 migrations pending (status), 2 checksum drift, \
            3 a migration failed (rolled back), 4 database unreachable or erroring, 64 usage error.
            """,
        subcommands: [MigrateApplyCommand.self, MigrateStatusCommand.self],
        defaultSubcommand: MigrateApplyCommand.self
    )
}

struct MigrateApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Apply pending migrations, each in its own transaction, printing each with its duration (the default)."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var database: DatabaseOptions

    @Flag(help: "Print what would be applied, change nothing.")
    var dryRun = false

    func run() async throws {
        let environment = Environment()
        let logger = try global.bootstrapLogging(environment)
        let connection = try database.connection(environment)
        let runner = MigrationRunner(migrations: try Migration.bundled(), logger: logger)
        try await CommandDatabase.withConnection(connection) { connection in
            if dryRun {
                let status = try runner.status(on: connection)
                guard status.drifted.isEmpty else { throw MigrationError.drift(status.drifted) }
                MigrationReporter.reportUnknown(status)
                for migration in status.pending {
                    print("would apply \(migration.fileName)\(migration.runsInTransaction ? "" : " (outside a transaction)")")
                }
                print(status.pending.isEmpty ? "nothing to apply" : "\(status.pending.count) migration(s) would be applied")
                return
            }
            let applied = try runner.migrate(on: connection) { migration, duration in
                print("applied \(migration.fileName) in \(duration.formattedMilliseconds)")
            }
            print(applied.isEmpty ? "database is up to date" : "applied \(applied.count) migration(s)")
        }
    }
}

struct MigrateStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "List applied, pending, drifted and unknown migrations; exit 1 when any is pending, 2 on drift."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let environment = Environment()
        let logger = try global.bootstrapLogging(environment)
        let connection = try database.connection(environment)
        let runner = MigrationRunner(migrations: try Migration.bundled(), logger: logger)
        let status = try await CommandDatabase.withConnection(connection) { try runner.status(on: $0) }
        let drifted = Set(status.drifted.map(\.version))
        let names = Dictionary(uniqueKeysWithValues: runner.migrations.map { ($0.version, $0.fileName) })
        for applied in status.applied {
            let state = drifted.contains(applied.version) ? "drifted" : names[applied.version] == nil ? "unknown" : "applied"
            let file = names[applied.version] ?? "\(applied.version) \(applied.name)"
            print("\(state.padding(toLength: 8, withPad: " ", startingAt: 0)) \(file)  \(applied.appliedAt.ISO8601Format())  \(applied.durationMilliseconds) ms")
        }
        for migration in status.pending {
            print("pending  \(migration.fileName)")
        }
        MigrationReporter.reportUnknown(status)
        if !status.drifted.isEmpty {
            print(MigrationError.drift(status.drifted).description)
            throw ExitStatus.drift
        }
        if !status.pending.isEmpty {
            print("\(status.pending.count) migration(s) pending: run `citiesd migrate`")
            throw ExitStatus.pending
        }
        print("up to date")
    }
}

/// Output shared by the migrate commands.
enum MigrationReporter {
    static func reportUnknown(_ status: MigrationStatus) {
        for unknown in status.unknown {
            printError("warning: the database has migration \(unknown.version) (\(unknown.name)), which this binary does not know; is an older citiesd running against a newer schema?")
        }
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

extension Duration {
    var formattedMilliseconds: String {
        let milliseconds = Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
        return String(format: "%.1f ms", milliseconds)
    }
}
