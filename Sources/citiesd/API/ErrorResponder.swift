import CitiesCore
import CitiesPG
import Hummingbird
import Logging
import NIOHTTP1

/// Turns any error into the response DRF would give. Validation errors show their fields; database
/// unavailability is a 503 with `Retry-After`; anything unexpected is a 500 whose body says nothing
/// about SQL, paths or code (the log has the details).
enum ErrorResponder {
    /// During an outage every request fails alike: one line per 10 s says so, with the count.
    static let unavailableWarnings = LogThrottle(interval: .seconds(10))

    static func response(for error: Error, logger: Logger) -> Response {
        switch error {
        case let error as APIError:
            return JSONResponse.detail(error.detail, status: error.status, headers: error.headers)
        case let errors as ValidationErrors:
            return JSONResponse.make(errors, status: .badRequest)
        case BulkValidationErrors.notAList(let message):
            return JSONResponse.make(ValidationErrors([ValidationErrors.nonFieldKey: [message]]), status: .badRequest)
        case BulkValidationErrors.items(let items):
            return JSONResponse.make(items, status: .badRequest)
        case let error as PGError where error.isUnavailable:
            unavailableWarnings.log(.warning, "database unavailable", metadata: ["error": "\(error)"], to: logger)
            return response(for: APIError.unavailable, logger: logger)
        case let error as HTTPError where error.status == .notFound:
            return response(for: APIError.notFound, logger: logger)
        case let error as HTTPParserError:
            // The body broke off or was malformed (bad chunk sizes, the client went away): the
            // client's doing, and the connection closes after this answer.
            logger.debug("malformed request body", metadata: ["error": "\(error)"])
            return response(for: APIError(status: .badRequest, detail: "Malformed HTTP request body: \(error)."), logger: logger)
        default:
            logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            return response(for: APIError.serverError, logger: logger)
        }
    }
}

/// Answers errors that escape routing (unknown paths) in DRF's shape too.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return ErrorResponder.response(for: error, logger: context.logger)
        }
    }
}
