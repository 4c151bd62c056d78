import CitiesCore
import Hummingbird

extension StoredResponse {
    /// A JSON answer, encoded as ``JSONResponse`` encodes them.
    static func json(_ body: some JSONWritable, status: HTTPResponse.Status, location: String? = nil) -> StoredResponse {
        StoredResponse(status: status.code, location: location, contentType: "application/json", body: JSONResponse.encode(body))
    }

    /// The answer `response` gives: its status, `Location`, `Content-Type` and body.
    init(collecting response: Response) async throws {
        let collector = BodyCollector()
        try await response.body.write(collector)
        self.init(status: response.status.code, location: response.headers[.location], contentType: response.headers[.contentType],
                  body: Array(collector.buffer.readableBytesView))
    }
}

extension Response {
    init(_ stored: StoredResponse) {
        var headers = HTTPFields()
        if let contentType = stored.contentType { headers[.contentType] = contentType }
        if let location = stored.location { headers[.location] = location }
        self.init(status: HTTPResponse.Status(code: stored.status), headers: headers,
                  body: stored.body.isEmpty ? ResponseBody() : ResponseBody(byteBuffer: ByteBuffer(bytes: stored.body)))
    }
}

/// Receives a response body's bytes (the answers kept are small JSON bodies).
private final class BodyCollector: ResponseBodyWriter {
    var buffer = ByteBuffer()

    func write(_ buffer: ByteBuffer) async throws {
        self.buffer.writeImmutableBuffer(buffer)
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
