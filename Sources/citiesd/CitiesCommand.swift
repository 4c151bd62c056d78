import ArgumentParser

@main
struct CitiesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "citiesd",
        abstract: "The cities service: cities and their event counts over a REST API.",
        subcommands: [ServeCommand.self, MigrateCommand.self, TokenCommand.self, ImportCommand.self, GatewayCommand.self]
    )
}
