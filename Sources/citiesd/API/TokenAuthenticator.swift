import CitiesCore
import Crypto
import Foundation
import Hummingbird

/// `Authorization: Token <key>`, as DRF's TokenAuthentication reads it. A present header is always
/// checked (an invalid token is a 401 even on GET); writes need one.
struct TokenAuthenticator: Sendable {
    let store: any TokenStore

    /// The key hash of the request's token, which identifies the client; nil without a token.
    @discardableResult
    func authenticate(_ request: Request, requireToken: Bool) async throws -> [UInt8]? {
        guard let header = request.headers[.authorization] else {
            if requireToken { throw APIError.notAuthenticated }
            return nil
        }
        let parts = header.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.first?.lowercased() == "token" else {
            if requireToken { throw APIError.notAuthenticated }
            return nil
        }
        guard parts.count == 2 else {
            var error = APIError.invalidToken
            error = APIError(status: error.status,
                             detail: parts.count == 1 ? "Invalid token header. No credentials provided." : "Invalid token header. Token string should not contain spaces.",
                             headers: error.headers)
            throw error
        }
        let keyHash = Self.hash(String(parts[1]))
        guard try await store.authenticate(keyHash: keyHash) != nil else { throw APIError.invalidToken }
        return keyHash
    }

    static func hash(_ key: String) -> [UInt8] {
        Array(SHA256.hash(data: Data(key.utf8)))
    }

    /// A new random key: 40 hex characters, as DRF's keys look.
    static func newKey() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<20).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }
}
