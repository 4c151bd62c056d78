import ArgumentParser
import CitiesCore
import Foundation

struct GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "Kong gateway configuration for citiesd: render it, sync it through the Admin API, dump and restore it.",
        discussion: "Exit status: 0 done, 1 the Admin API refused or failed, 64 usage error.",
        subcommands: [Render.self, Sync.self, Dump.self, Restore.self]
    )

    /// What citiesd wants in Kong.
    struct DesiredOptions: ParsableArguments {
        @Option(help: "An upstream target host:port, repeatable (the citiesd replicas). Default: 127.0.0.1:8080.")
        var target: [String] = []

        @Option(help: "Only route requests for this host name.")
        var host: String?

        @Option(help: "The JSON file holding the URI prefix. Env: CITIESD_PACKAGE_JSON. Default: config/package.json.")
        var packageJSON: String?

        func configuration() throws -> KongConfiguration {
            let api = try APIConfiguration.load(from: try Environment().resolve(packageJSON, "CITIESD_PACKAGE_JSON", default: "config/package.json"))
            return try KongConfiguration(prefix: api.prefix, targets: target.isEmpty ? ["127.0.0.1:8080"] : target, host: host)
        }
    }

    /// How to reach the Admin API, mutual TLS included.
    struct AdminOptions: ParsableArguments {
        @Option(help: "Kong Admin API URL, e.g. https://kong-admin:8444. Env: KONG_ADMIN_URL.")
        var adminURL: String?

        @Option(help: "Client certificate (PEM) for an Admin API behind mutual TLS.")
        var clientCert: String?

        @Option(help: "Client private key (PEM).")
        var clientKey: String?

        @Option(help: "CA certificate (PEM) that signed the Admin API's certificate.")
        var caCert: String?

        func withClient<T>(_ body: (KongAdminClient) async throws -> T) async throws -> T {
            let url = try Environment().resolve(adminURL, "KONG_ADMIN_URL", default: "")
            guard !url.isEmpty else {
                throw ValidationError("give --admin-url or KONG_ADMIN_URL")
            }
            let client = try KongAdminClient(adminURL: url, tls: .init(clientCertificate: clientCert, clientKey: clientKey, caCertificate: caCert))
            do {
                let value = try await body(client)
                await client.shutdown()
                return value
            } catch let failure as KongAdminClient.Failure {
                await client.shutdown()
                printError("error: \(failure)")
                throw ExitCode(1)
            } catch {
                await client.shutdown()
                printError("error: cannot reach the Kong Admin API at \(url): \(error)")
                throw ExitCode(1)
            }
        }
    }

    struct Render: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print Kong declarative configuration (JSON, which is also YAML) for DB-less Kong or decK.")

        @OptionGroup var desired: DesiredOptions

        @Option(help: "Write to this file instead of standard output.")
        var output: String?

        func run() async throws {
            try write(try desired.configuration().declarativeConfiguration(), to: output)
        }
    }

    struct Sync: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make the gateway match, through the Admin API: upsert by name, only citiesd-tagged objects; print each change.")

        @OptionGroup var desired: DesiredOptions
        @OptionGroup var admin: AdminOptions

        func run() async throws {
            let configuration = try desired.configuration()
            let changes = try await admin.withClient { try await KongSync(client: $0, desired: configuration).run() }
            print(changes.isEmpty ? "gateway already up to date" : changes.joined(separator: "\n"))
        }
    }

    struct Dump: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write the whole gateway configuration to a file that `restore` loads again.")

        @OptionGroup var admin: AdminOptions

        @Option(help: "Write to this file instead of standard output.")
        var output: String?

        func run() async throws {
            try write(try await admin.withClient { try await KongDump.dump($0) }, to: output)
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Load a file written by `dump` back into the gateway.")

        @OptionGroup var admin: AdminOptions

        @Argument(help: "The dump file.")
        var file: String

        func run() async throws {
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: file)) } catch { throw ValidationError("cannot read \(file): \(error.localizedDescription)") }
            guard let dump = try? JSONDecoder().decode(JSONValue.self, from: data) else { throw ValidationError("\(file) is not JSON") }
            let lines = try await admin.withClient { try await KongDump.restore(dump, client: $0) }
            print(lines.isEmpty ? "nothing to restore" : lines.joined(separator: "\n"))
        }
    }
}

private func write(_ document: JSONValue, to output: String?) throws {
    let data = Data(JSONResponse.encode(document) + [UInt8(ascii: "\n")])
    if let output {
        try data.write(to: URL(fileURLWithPath: output), options: .atomic)
    } else {
        FileHandle.standardOutput.write(data)
    }
}
