import ArgumentParser
import CitiesCore
import CitiesPG
import Foundation

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Manage the API tokens that writes need (Authorization: Token <key>).",
        subcommands: [Create.self, List.self, Revoke.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a token and print its key once; only a hash is stored.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "A name for the token, e.g. events-service.") var name: String

        func run() async throws {
            let key = TokenAuthenticator.newKey()
            _ = try await withTokenStore(global, database) { try await $0.create(name: name, keyHash: TokenAuthenticator.hash(key)) }
            print(key)
            printError("created token \(name); the key above is shown only now")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List active tokens (names and dates, never keys).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            for token in try await withTokenStore(global, database, { try await $0.list() }) {
                print("\(token.name)\tcreated \(ISOTimestamp.string(from: token.createdAt))\tlast used \(token.lastUsedAt.map(ISOTimestamp.string(from:)) ?? "never")")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token by name; exits 1 when no active token has that name.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The token's name.") var name: String

        func run() async throws {
            guard try await withTokenStore(global, database, { try await $0.revoke(name: name) }) else {
                printError("no active token named \(name)")
                throw ExitCode(1)
            }
            print("revoked \(name)")
        }
    }
}

/// Runs `body` with the PostgreSQL token store (see ``CommandDatabase`` for exit statuses).
private func withTokenStore<T: Sendable>(
    _ global: GlobalOptions, _ database: DatabaseOptions, _ body: (PostgresTokenStore) async throws -> T
) async throws -> T {
    let environment = Environment()
    let logger = try global.bootstrapLogging(environment)
    return try await CommandDatabase.run(try database.connection(environment), logger: logger) { try await body(PostgresTokenStore(pool: $0)) }
}
