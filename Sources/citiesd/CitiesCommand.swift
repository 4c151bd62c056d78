import ArgumentParser
import Foundation
import NIOPosix

@main
struct CitiesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "citiesd",
        abstract: "The cities service: cities and their event counts over a REST API.",
        subcommands: [ServeCommand.self, MigrateCommand.self, TokenCommand.self, ImportCommand.self, GatewayCommand.self]
    )

    /// Before anything runs, where Swift's tasks run (``ConcurrencyExecutor``).
    static func main() async {
        do {
            try ConcurrencyExecutor(environment: ProcessInfo.processInfo.environment).install()
        } catch {
            FileHandle.standardError.write(Data("citiesd: \(error)\n".utf8))
            Foundation.exit(ExitStatus.usage.rawValue)
        }
        await main(nil)
    }
}
