import CitiesCore
import Foundation
import Hummingbird
import NIOCore

/// Reads a JSON request body as DRF's JSONParser does: `application/json` only (415 otherwise),
/// a size limit (413), strict UTF-8 and JSON (400 `JSON parse error - …`, see ``JSONParser``).
enum RequestBody {
    static func json(_ request: inout Request, limit: Int) async throws -> JSONValue {
        let contentType = request.headers[.contentType] ?? ""
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard mediaType == "application/json" else { throw APIError.unsupportedMediaType(contentType) }
        let bytes = Array(try await collect(&request, limit: limit).readableBytesView)
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw APIError.parseError("the body is not valid UTF-8")
        }
        do {
            return try JSONParser.parse(bytes)
        } catch {
            throw APIError.parseError(error.description)
        }
    }

    /// The whole body, which stays readable for the handler; 413 above `limit`.
    static func collect(_ request: inout Request, limit: Int) async throws -> ByteBuffer {
        do {
            return try await request.collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw APIError.tooLarge(limit: limit)
        }
    }
}
