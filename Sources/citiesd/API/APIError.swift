import Hummingbird

/// An error answered in DRF's shape, `{"detail": "…"}`, with DRF's status and wording.
struct APIError: Error, Sendable {
    let status: HTTPResponse.Status
    let detail: String
    var headers: HTTPFields = [:]

    static let notFound = APIError(status: .notFound, detail: "Not found.")
    static let invalidPage = APIError(status: .notFound, detail: "Invalid page.")
    static let notAuthenticated = APIError(
        status: .unauthorized, detail: "Authentication credentials were not provided.", headers: [.wwwAuthenticate: "Token"])
    static let invalidToken = APIError(status: .unauthorized, detail: "Invalid token.", headers: [.wwwAuthenticate: "Token"])
    static let notAcceptable = APIError(status: .notAcceptable, detail: "Could not satisfy the request Accept header.")
    static let unavailable = APIError(
        status: .serviceUnavailable, detail: "The database is unavailable; try again shortly.", headers: [.retryAfter: "5"])
    static let serverError = APIError(status: .internalServerError, detail: "A server error occurred.")

    static func methodNotAllowed(_ method: HTTPRequest.Method) -> APIError {
        APIError(status: .methodNotAllowed, detail: "Method \"\(method.rawValue)\" not allowed.")
    }

    static func unsupportedMediaType(_ contentType: String) -> APIError {
        APIError(status: .unsupportedMediaType, detail: "Unsupported media type \"\(contentType)\" in request.")
    }

    static func parseError(_ reason: String) -> APIError {
        APIError(status: .badRequest, detail: "JSON parse error - \(reason)")
    }

    static func badHost(_ detail: String) -> APIError {
        APIError(status: .badRequest, detail: detail)
    }

    static func tooLarge(limit: Int) -> APIError {
        APIError(status: .contentTooLarge, detail: "Request body is larger than the limit of \(limit) bytes.")
    }
}
