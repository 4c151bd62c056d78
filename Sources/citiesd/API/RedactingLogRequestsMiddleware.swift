import Foundation
import Hummingbird
import Logging

/// Logs every request like Hummingbird's `LogRequestsMiddleware` (same message and metadata keys),
/// but with the values of query parameters that may hold a credential — `?token=…`, `api_key`,
/// `access_token`, `password`, `secret`, … — replaced by `***`, so no credential reaches a log line
/// at any level.
struct RedactingLogRequestsMiddleware<Context: RequestContext>: RouterMiddleware {
    let logLevel: Logger.Level

    init(_ logLevel: Logger.Level) {
        self.logLevel = logLevel
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        context.logger.log(level: logLevel, "Request", metadata: [
            "hb.request.path": .string(Self.redacted(path: request.uri.path, query: request.uri.query)),
            "hb.request.method": .string(request.method.rawValue),
        ])
        return try await next(request, context)
    }

    static func redacted(path: String, query: String?) -> String {
        guard let query, !query.isEmpty else { return path }
        let parameters = query.split(separator: "&", omittingEmptySubsequences: false).map { parameter -> String in
            guard let equals = parameter.firstIndex(of: "="), isSecret(name: parameter[..<equals]) else { return String(parameter) }
            return String(parameter[...equals]) + "***"
        }
        return path + "?" + parameters.joined(separator: "&")
    }

    /// Whether the name holds (case-insensitive, only letters and digits compared) a part that marks its value secret.
    private static func isSecret(name: Substring) -> Bool {
        let secretNameParts = ["token", "key", "password", "passwd", "pwd", "secret", "auth", "credential", "signature", "session"]
        let decoded = CanonicalQuery.formDecoded(name).lowercased()
        let normalized = decoded.filter { $0.isLetter || $0.isNumber }
        return secretNameParts.contains { normalized.contains($0) }
    }
}
