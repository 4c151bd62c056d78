import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Resolves, once per request, what the client sees: the public base URL (from `X-Forwarded-Proto`,
/// `-Host`, `-Port` and `-Prefix` when the peer is a trusted proxy, else the request's own host), and
/// the request id (the gateway's `X-Request-ID`, `Kong-Request-ID` or `X-Kong-Request-Id`, else a new
/// one), which goes on every log line of the request and back in the `X-Request-ID` response header,
/// and the trace id of a W3C `traceparent` (Kong's OpenTelemetry plugin sends one), which goes on
/// the request's log lines as `trace_id`.
struct ProxyHeadersMiddleware: RouterMiddleware {
    typealias Context = CitiesRequestContext

    static let requestIDHeaders: [HTTPField.Name] = [
        HTTPField.Name("X-Request-ID")!, HTTPField.Name("Kong-Request-ID")!, HTTPField.Name("X-Kong-Request-Id")!,
    ]

    static let traceparent = HTTPField.Name("traceparent")!
    static let forwardedProto = HTTPField.Name("X-Forwarded-Proto")!
    static let forwardedHost = HTTPField.Name("X-Forwarded-Host")!
    static let forwardedPort = HTTPField.Name("X-Forwarded-Port")!
    static let forwardedPrefix = HTTPField.Name("X-Forwarded-Prefix")!

    let trustedProxies: TrustedProxies

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.requestID = Self.requestID(from: request)
        context.logger[metadataKey: "hb.request.id"] = .string(context.requestID)
        if let traceID = request.headers[Self.traceparent].flatMap(Self.traceID(fromTraceparent:)) {
            context.logger[metadataKey: "trace_id"] = .string(traceID)
        }
        context.publicBaseURL = publicBaseURL(request, peerIsTrusted: trustedProxies.contains(context.remoteAddress))
        var response = try await next(request, context)
        response.headers[Self.requestIDHeaders[0]] = context.requestID
        return response
    }

    /// The gateway's id when it is sane (printable ASCII, at most 200 characters), else a new one.
    static func requestID(from request: Request) -> String {
        for name in requestIDHeaders {
            if let value = request.headers[name], !value.isEmpty, value.count <= 200,
               value.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7f }) {
                return value
            }
        }
        return RequestIDGenerator.next()
    }

    /// The trace id of a `traceparent` header (W3C Trace Context: `version-traceid-parentid-flags`,
    /// lower-case hex), or nil when it is malformed, of the invalid version `ff`, or all zeros.
    static func traceID(fromTraceparent value: String) -> String? {
        let parts = value.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 4, parts[0].count == 2, parts[0] != "ff", parts[1].count == 32, parts[2].count == 16, parts[3].count == 2,
              parts[0] != "00" || parts.count == 4,
              parts.prefix(4).allSatisfy({ $0.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) } }),
              parts[1].contains(where: { $0 != "0" }), parts[2].contains(where: { $0 != "0" }) else { return nil }
        return String(parts[1])
    }

    func publicBaseURL(_ request: Request, peerIsTrusted: Bool) -> String {
        let ownHost = request.head.authority ?? "localhost"
        guard peerIsTrusted else { return "http://" + ownHost }
        func header(_ name: HTTPField.Name) -> String? {
            request.headers[name].flatMap { $0.split(separator: ",").first }
                .map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        let scheme = header(Self.forwardedProto).map { $0.lowercased() }.flatMap { ["http", "https"].contains($0) ? $0 : nil } ?? "http"
        // Forwarded values end up in every link: a malformed one is ignored, like a missing one.
        var host = header(Self.forwardedHost).flatMap { HostHeaderMiddleware.isValid($0) ? $0 : nil } ?? ownHost
        if let port = header(Self.forwardedPort).flatMap(Int.init), (1...65535).contains(port), !Self.hasPort(host) {
            let isDefault = (scheme == "http" && port == 80) || (scheme == "https" && port == 443)
            if !isDefault { host += ":\(port)" }
        }
        var prefix = header(Self.forwardedPrefix).flatMap { Self.isPathPrefix($0) ? $0 : nil } ?? ""
        while prefix.hasSuffix("/") { prefix.removeLast() }
        if !prefix.isEmpty && !prefix.hasPrefix("/") { prefix = "/" + prefix }
        return "\(scheme)://\(host)\(prefix)"
    }

    /// `/segment/segment` of RFC 3986 path characters: no query, fragment, `//` or `..`.
    static func isPathPrefix(_ prefix: String) -> Bool {
        guard prefix.utf8.count <= 255, !prefix.contains("//"), !prefix.split(separator: "/").contains("..") else { return false }
        return prefix.consistsOfASCIIAlphanumerics(or: "/-._~%!$&'()*+,;=:@")
    }

    private static func hasPort(_ host: String) -> Bool {
        if host.hasPrefix("[") { return host.contains("]:") }
        return host.contains(":")
    }
}
