import HTTPTypes
import Hummingbird

/// RFC 9112 §3.2: a request without a `Host`, with more than one, or with one that is not a valid
/// authority is answered 400. The host goes into every absolute link, so it must be sane.
/// (HTTP/1.0 requests may omit `Host`; HTTPTypes no longer tells the versions apart, and every
/// client in use sends it.)
struct HostHeaderMiddleware: RouterMiddleware {
    typealias Context = CitiesRequestContext

    static let name = HTTPField.Name("Host")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // The first `Host` became the authority; any other is still among the fields.
        guard let host = request.head.authority, request.headers[Self.name] == nil else {
            throw APIError.badHost("Requests must carry exactly one Host header.")
        }
        guard Self.isValid(host) else { throw APIError.badHost("Invalid Host header.") }
        return try await next(request, context)
    }

    /// `host[:port]` with RFC 3986 authority characters (no userinfo), at most 255 of them.
    static func isValid(_ host: String) -> Bool {
        guard !host.isEmpty, host.utf8.count <= 255, !host.contains("@") else { return false }
        return host.consistsOfASCIIAlphanumerics(or: "-._~%!$&'()*+,;=:[]")
    }
}

extension String {
    /// Whether every character is an ASCII letter or digit, or one of `others` (ASCII): the
    /// character classes of RFC 3986's grammar.
    func consistsOfASCIIAlphanumerics(or others: StaticString) -> Bool {
        let allowed = UnsafeBufferPointer(start: others.utf8Start, count: others.utf8CodeUnitCount)
        return utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
            default: allowed.contains(byte)
            }
        }
    }
}
