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
        self.init(body: ByteBuffer(bytes: JSONResponse.encode(json)))
    }

    init(body: ByteBuffer) {
        self.body = body
        let digest = body.withUnsafeReadableBytes { SHA256.hash(data: $0) }
        etag = "\"" + digest.prefix(16).map { String(format: "%02x", $0) }.joined() + "\""
    }
}

/// Rendered answers kept while the repository's answers stay at one version (see
/// ``VersionedReads``): the search page's calls are then served without querying or encoding.
/// Keyed by the public base URL, the path and the recognised query (``CanonicalQuery``); the least
/// recently used answers make room for new ones, within `capacity` answers and `maximumBytes`.
final class RepresentationCache: Sendable {
    private let versioned: (any VersionedReads)?
    private let entries: Mutex<(version: UInt64, representations: LRUCache<String, Representation>)>

    init(repository: any CitiesRepository, capacity: Int, maximumBytes: Int = 64 << 20) {
        self.versioned = capacity > 0 ? repository as? any VersionedReads : nil
        self.entries = Mutex((0, LRUCache(capacity: capacity, maximumCost: maximumBytes)))
    }

    /// The representation kept under `key` for the answers at `now`, or the one `render` makes
    /// (kept when the version did not move while rendering).
    func representation(forKey key: String, now: Date, render: () async throws -> Representation) async throws -> Representation {
        guard let versioned, let version = try await versioned.readVersion(now: now) else { return try await render() }
        if let kept = entries.withLock({ $0.version == version ? $0.representations.value(for: key) : nil }) { return kept }
        let rendered = try await render()
        guard try await versioned.readVersion(now: now) == version else { return rendered }
        entries.withLock { entries in
            guard entries.version <= version else { return }
            if entries.version < version {
                entries.version = version
                entries.representations.removeAll()
            }
            entries.representations.set(rendered, for: key, cost: rendered.body.readableBytes)
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
