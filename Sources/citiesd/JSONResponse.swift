import CitiesCore
import Hummingbird

/// JSON responses built outside Hummingbird's `ResponseEncodable` path: error bodies in DRF's
/// `{"detail": …}` shape and responses that need a status or headers of their own. Every body is
/// written by ``JSONWriter``: sorted keys, so the same resource always serialises to the same bytes.
enum JSONResponse {
    static func make(_ body: some JSONWritable, status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: encode(body))))
    }

    static func encode(_ body: some JSONWritable) -> [UInt8] {
        JSONWriter.bytes(of: body)
    }

    static func detail(_ message: String, status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        make(["detail": message], status: status, headers: headers)
    }
}
