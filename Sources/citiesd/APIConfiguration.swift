import ArgumentParser
import Foundation

/// The URI prefix the service answers under, from `config/package.json` (`{"uri": "/ws/cities"}`),
/// the file the gateway registration reads too.
struct APIConfiguration: Sendable, Hashable {
    /// Starts with `/`, never ends with one: `/ws/cities`.
    let prefix: String

    init(prefix: String) throws {
        var normalized = prefix
        while normalized.hasSuffix("/") { normalized.removeLast() }
        guard normalized.hasPrefix("/"), !normalized.contains("//"), !normalized.contains(where: { $0.isWhitespace || $0 == "?" || $0 == "#" }) else {
            throw ValidationError("\"uri\" must be an absolute path such as /ws/cities, got \(prefix)")
        }
        self.prefix = normalized
    }

    static func load(from path: String) throws -> APIConfiguration {
        struct PackageFile: Decodable { let uri: String }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ValidationError("cannot read \(path): \(error.localizedDescription). Run citiesd from the project folder or pass --package-json")
        }
        do {
            return try APIConfiguration(prefix: JSONDecoder().decode(PackageFile.self, from: data).uri)
        } catch let error as ValidationError {
            throw ValidationError("\(path): \(error.message)")
        } catch {
            throw ValidationError("\(path) must be a JSON object with a string \"uri\", e.g. {\"uri\": \"/ws/cities\"}")
        }
    }
}
