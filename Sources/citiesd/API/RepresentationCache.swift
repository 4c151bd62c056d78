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

    init(json: some JSONWritable) {
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
/// When the version moves, the requests for one key that arrive while its answer is being
/// rendered wait for that render instead of each rendering it again.
final class RepresentationCache: Sendable {
    private let versioned: (any VersionedReads)?
    private let state: Mutex<State>

    private struct State {
        var version: UInt64 = 0
        var representations: LRUCache<String, Representation>
        /// Renders in flight, by version and key, with who waits for them.
        var renders: [RenderKey: [CheckedContinuation<Representation?, Never>]] = [:]
    }

    private struct RenderKey: Hashable {
        let version: UInt64
        let key: String
    }

    private enum Lookup {
        case kept(Representation)
        case rendering
        case leads
    }

    init(repository: any CitiesRepository, capacity: Int, maximumBytes: Int = 64 << 20) {
        self.versioned = capacity > 0 ? repository as? any VersionedReads : nil
        self.state = Mutex(State(representations: LRUCache(capacity: capacity, maximumCost: maximumBytes)))
    }

    /// The representation kept under `key` for the answers at `now`, or the one `render` makes
    /// (kept when the version did not move while rendering).
    func representation(forKey key: String, now: Date, render: () async throws -> Representation) async throws -> Representation {
        guard let versioned, let version = try await versioned.readVersion(now: now) else { return try await render() }
        switch lookup(key, version: version) {
        case .kept(let representation):
            return representation
        case .rendering:
            if let shared = await renderInFlight(key, version: version) { return shared }
            return try await render()
        case .leads:
            do {
                let representation = try await render()
                let unchanged = try await versioned.readVersion(now: now) == version
                finish(key, version: version, with: representation, keep: unchanged)
                return representation
            } catch {
                finish(key, version: version, with: nil, keep: false)
                throw error
            }
        }
    }

    /// In one step: the kept answer, or a render to wait for, or the lead of a new render.
    private func lookup(_ key: String, version: UInt64) -> Lookup {
        state.withLock { state in
            if state.version < version {
                state.version = version
                state.representations.removeAll()
            }
            if state.version == version, let kept = state.representations.value(for: key) { return .kept(kept) }
            let render = RenderKey(version: version, key: key)
            if state.renders[render] != nil { return .rendering }
            state.renders[render] = []
            return .leads
        }
    }

    /// Keeps the answer (when the version held) and hands it to the requests waiting for it in the
    /// same step, so a request arriving now finds one or the other.
    private func finish(_ key: String, version: UInt64, with representation: Representation?, keep: Bool) {
        let waiting = state.withLock { state -> [CheckedContinuation<Representation?, Never>] in
            if keep, state.version == version, let representation {
                state.representations.set(representation, for: key, cost: representation.body.readableBytes)
            }
            return state.renders.removeValue(forKey: RenderKey(version: version, key: key)) ?? []
        }
        for waiter in waiting { waiter.resume(returning: representation) }
    }

    /// The answer of the render of `key` at `version` in flight, once it is done (or, if it just
    /// finished, the answer it kept); nil when it failed or kept nothing.
    private func renderInFlight(_ key: String, version: UInt64) async -> Representation? {
        await withCheckedContinuation { waiter in
            let render = RenderKey(version: version, key: key)
            let finished = state.withLock { state -> Representation?? in
                guard state.renders[render] != nil else {
                    return .some(state.version == version ? state.representations.value(for: key) : nil)
                }
                state.renders[render]!.append(waiter)
                return .none
            }
            if let finished { waiter.resume(returning: finished) }
        }
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
