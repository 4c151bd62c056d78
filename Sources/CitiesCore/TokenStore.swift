import Foundation

/// An API token as operators see it; the key itself is shown once at creation and stored only as
/// a SHA-256 hash.
package struct APIToken: Sendable, Hashable {
    package var name: String
    package var createdAt: Date
    package var lastUsedAt: Date?

    package init(name: String, createdAt: Date, lastUsedAt: Date? = nil) {
        self.name = name
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
    }
}

/// Storage of API tokens by key hash. Token names are unique among active tokens.
package protocol TokenStore: Sendable {
    /// The active token with this key hash, marking it used; nil when none.
    func authenticate(keyHash: [UInt8]) async throws -> APIToken?
    /// Throws ``ValidationErrors`` on `name` when an active token has that name.
    func create(name: String, keyHash: [UInt8]) async throws -> APIToken
    func list() async throws -> [APIToken]
    /// false when no active token has that name.
    func revoke(name: String) async throws -> Bool
}

package enum TokenMessages {
    package static let duplicateName = "an active token with this name already exists."
}

/// ``TokenStore`` in memory, for tests.
package actor InMemoryTokenStore: TokenStore {
    private var tokens: [[UInt8]: APIToken] = [:]

    package init() {}

    package func authenticate(keyHash: [UInt8]) -> APIToken? {
        tokens[keyHash]?.lastUsedAt = Date()
        return tokens[keyHash]
    }

    package func create(name: String, keyHash: [UInt8]) throws -> APIToken {
        guard !tokens.values.contains(where: { $0.name == name }) else {
            throw ValidationErrors(["name": [TokenMessages.duplicateName]])
        }
        let token = APIToken(name: name, createdAt: Date())
        tokens[keyHash] = token
        return token
    }

    package func list() -> [APIToken] { tokens.values.sorted { $0.name < $1.name } }

    package func revoke(name: String) -> Bool {
        guard let key = tokens.first(where: { $0.value.name == name })?.key else { return false }
        tokens[key] = nil
        return true
    }
}
