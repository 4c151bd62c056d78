import Foundation
import Hummingbird

/// JSON responses built outside Hummingbird's `ResponseEncodable` path: error bodies in DRF's
/// `{"detail": …}` shape and responses that need a status or headers of their own.
enum JSONResponse {
    /// Sorted keys: the same resource always serialises to the same bytes.
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func make(_ body: some Encodable, status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: encode(body))))
    }

    /// The body's JSON; `{}` for the values JSON cannot hold (non-finite numbers).
    static func encode(_ body: some Encodable) -> Data {
        (try? encoder.encode(body)) ?? Data("{}".utf8)
    }

    static func detail(_ message: String, status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        make(["detail": message], status: status, headers: headers)
    }
}
