/// What a running citiesd says about itself (DRF `OPTIONS` metadata, logs, the health route).
/// The container's build args set `version`, `branch` and `stack` as environment variables.
package struct ServiceMetadata: Sendable, Hashable, Codable {
    package var version: String
    package var branch: String
    package var stack: String

    package init(version: String = "1", branch: String = "master", stack: String = "stack") {
        self.version = version
        self.branch = branch
        self.stack = stack
    }

    package init(environment: [String: String]) {
        let defaults = ServiceMetadata()
        self.init(
            version: environment["version"] ?? defaults.version,
            branch: environment["branch"] ?? defaults.branch,
            stack: environment["stack"] ?? defaults.stack
        )
    }
}
