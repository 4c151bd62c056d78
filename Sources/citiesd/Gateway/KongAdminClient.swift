import AsyncHTTPClient
import CitiesCore
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// A small client for Kong's Admin API: JSON in, JSON out, optional mutual TLS.
struct KongAdminClient {
    struct TLSFiles {
        var clientCertificate: String?
        var clientKey: String?
        var caCertificate: String?
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let baseURL: String
    let http: HTTPClient

    init(adminURL: String, tls: TLSFiles) throws {
        var base = adminURL
        while base.hasSuffix("/") { base.removeLast() }
        guard let url = URL(string: base), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            throw Failure(description: "--admin-url \(adminURL) is not an http(s) URL")
        }
        self.baseURL = base
        var configuration = HTTPClient.Configuration(timeout: .init(connect: .seconds(5), read: .seconds(30)))
        if tls.clientCertificate != nil || tls.clientKey != nil || tls.caCertificate != nil {
            var tlsConfiguration = TLSConfiguration.makeClientConfiguration()
            if let certificate = tls.clientCertificate {
                tlsConfiguration.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) }
            }
            if let key = tls.clientKey { tlsConfiguration.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)) }
            if let ca = tls.caCertificate { tlsConfiguration.trustRoots = .file(ca) }
            configuration.tlsConfiguration = tlsConfiguration
        }
        self.http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    func shutdown() async {
        try? await http.shutdown()
    }

    /// Sends one request; returns the status and the decoded body (nil when empty).
    func send(_ method: HTTPMethod, _ path: String, body: JSONValue? = nil) async throws -> (status: UInt, body: JSONValue?) {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: JSONResponse.encode(body)))
        }
        let response = try await http.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        let json = bytes.readableBytes == 0 ? nil : try? JSONDecoder().decode(JSONValue.self, from: Data(bytes.readableBytesView))
        return (response.status.code, json)
    }

    /// Sends and insists on a 2xx (or, with `allowNotFound`, a 404, returned as nil).
    func expect(_ method: HTTPMethod, _ path: String, body: JSONValue? = nil, allowNotFound: Bool = false) async throws -> JSONValue? {
        let (status, json) = try await send(method, path, body: body)
        if status == 404 && allowNotFound { return nil }
        guard (200..<300).contains(status) else {
            let detail = json.map { String(decoding: JSONResponse.encode($0), as: UTF8.self) } ?? ""
            throw Failure(description: "Kong Admin API \(method.rawValue) \(path) answered \(status) \(detail)")
        }
        return json ?? .object([:])
    }

    /// Every item of a paginated collection (`{"data": […], "next": "/…?offset=…"}`).
    func collection(_ path: String) async throws -> [[String: JSONValue]] {
        var items: [[String: JSONValue]] = []
        var next: String? = path
        while let page = next {
            guard case .object(let body)? = try await expect(.GET, page) else { break }
            if case .array(let data)? = body["data"] {
                items += data.compactMap { if case .object(let item) = $0 { item } else { nil } }
            }
            if case .string(let link)? = body["next"] { next = link } else { next = nil }
        }
        return items
    }
}
