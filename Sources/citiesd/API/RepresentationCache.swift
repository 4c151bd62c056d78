import CitiesCore
import Crypto
import Foundation
import Hummingbird
import Synchronization

/// A rendered `GET` answer: its JSON bytes and their strong entity tag.
struct Representation: Sendable {
    let body: ByteBuffer
    /// A hash of the body, so every replica gives the same bytes the same tag.
    let etag: String

    init(json: some Encodable) {
        let data = JSONResponse.encode(json)
        body = ByteBuffer(bytes: data)
        etag = "\"" + SHA256.hash(data: data).prefix(16).map { String(format: "%02x", $0) }.joined() + "\""
    }
}

/// Rendered answers kept while the repository's answers stay at one version (see
/// ``VersionedReads``): the search page's calls are then served without querying or encoding.
/// Keyed by the public base URL and the request's path and query (links in bodies depend on both).
final class RepresentationCache: Sendable {
    let capacity: Int
    private let versioned: (any VersionedReads)?
    private let entries = Mutex<(version: UInt64, representations: [String: Representation])>((0, [:]))

    init(repository: any CitiesRepository, capacity: Int) {
        self.versioned = capacity > 0 ? repository as? any VersionedReads : nil
        self.capacity = capacity
    }

    /// The representation for `request` at `now`: kept, or rendered by `render` (and kept when the
    /// version did not move while rendering).
    func representation(
        for request: Request, context: CitiesRequestContext, now: Date, render: () async throws -> Representation
    ) async throws -> Representation {
        guard let versioned, let version = try await versioned.readVersion(now: now) else { return try await render() }
        let key = context.publicBaseURL + request.uri.description
        if let kept = entries.withLock({ $0.version == version ? $0.representations[key] : nil }) { return kept }
        let rendered = try await render()
        guard try await versioned.readVersion(now: now) == version else { return rendered }
        entries.withLock { entries in
            if entries.version != version || entries.representations.count >= capacity { entries = (version, [:]) }
            entries.representations[key] = rendered
        }
        return rendered
    }
}

/// `ETag`, `If-None-Match` → 304 and `Cache-Control` for the cacheable `GET`s.
enum ConditionalGET {
    /// Shared caches (the gateway) may store answers but must revalidate each use: counts change
    /// with every write, and a revalidation costs the gateway a 304 without a body.
    static let cacheControl = "public, no-cache"

    static func response(_ representation: Representation, for request: Request) -> Response {
        var headers: HTTPFields = [.eTag: representation.etag, .cacheControl: cacheControl]
        if let condition = request.headers[.ifNoneMatch], matches(condition, representation.etag) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: representation.body))
    }

    /// RFC 9110 §13.1.2: `*`, or any listed tag equal under weak comparison.
    static func matches(_ condition: String, _ etag: String) -> Bool {
        condition.split(separator: ",").contains { candidate in
            let tag = candidate.trimmingCharacters(in: .whitespaces)
            return tag == "*" || (tag.hasPrefix("W/") ? String(tag.dropFirst(2)) : tag) == etag
        }
    }
}
