import CitiesCore
import CoreMetrics
import Crypto
import Foundation
import Hummingbird
import Synchronization

/// A rendered `GET` answer: its JSON bytes, their strong entity tag, and what it was made from.
struct Representation: Sendable {
    let body: ByteBuffer
    /// A hash of the body, so every replica gives the same bytes the same tag.
    let etag: String
    /// What the answer depends on: a kept answer outlives writes that change none of it.
    let inputs: AnswerInputs

    init(json: some JSONWritable, inputs: AnswerInputs = .everything) {
        self.init(body: ByteBuffer(bytes: JSONResponse.encode(json)), inputs: inputs)
    }

    init(body: ByteBuffer, inputs: AnswerInputs = .everything) {
        self.body = body
        self.inputs = inputs
        let digest = body.withUnsafeReadableBytes { SHA256.hash(data: $0) }
        etag = "\"" + digest.prefix(16).map { String(format: "%02x", $0) }.joined() + "\""
    }

    /// The memory it holds: the body and the ids of its inputs (34,000 of them for every variant
    /// of `event-counts/` at 34,000 cities).
    var cost: Int {
        guard case .cities(let ids, _) = inputs else { return body.readableBytes }
        return body.readableBytes + ids.count * MemoryLayout<Int64>.stride
    }
}

/// Rendered answers kept while what they were made from stays unchanged (see ``VersionedReads``
/// and ``AnswerInputs``): the search page's calls are then served without querying or encoding,
/// and a write to one city leaves the answers about others as they are. Keyed by the public base
/// URL, the path and the recognised query (``CanonicalQuery``); the least recently used answers
/// make room for new ones, within `capacity` answers and `maximumBytes`. When an answer has to be
/// made again, the requests for its key that arrive while it is rendered wait for that render
/// instead of each rendering it again.
final class RepresentationCache: Sendable {
    private let versioned: (any VersionedReads)?
    private let state: Mutex<State>
    private let metrics: ResponseCacheMetrics

    private struct Kept {
        let representation: Representation
        /// The version the answer is known to hold at: where it was made, or where it was last
        /// found unchanged.
        var version: UInt64
    }

    private struct State {
        var kept: LRUCache<String, Kept>
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

    init(repository: any CitiesRepository, capacity: Int, maximumBytes: Int = 64 << 20, metrics: any MetricsFactory = MetricsSystem.factory) {
        self.versioned = capacity > 0 ? repository as? any VersionedReads : nil
        self.state = Mutex(State(kept: LRUCache(capacity: capacity, maximumCost: maximumBytes)))
        self.metrics = ResponseCacheMetrics(factory: metrics)
    }

    /// The representation kept under `key` when it is still the answer at `now`, or the one `render`
    /// makes (then kept as made at the version read before it: a render that saw later changes is
    /// only ever checked more strictly).
    func representation(forKey key: String, now: Date, render: () async throws -> Representation) async throws -> Representation {
        guard let versioned, let current = try await versioned.readVersion(now: now) else { return try await render() }
        switch lookup(key, at: current) {
        case .kept(let representation):
            metrics.looked(.hit)
            return representation
        case .rendering:
            metrics.looked(.shared)
            if let shared = await renderInFlight(key, version: current.version) { return shared }
            return try await render()
        case .leads:
            metrics.looked(.miss)
            do {
                let representation = try await render()
                finish(key, version: current.version, with: representation)
                return representation
            } catch {
                finish(key, version: current.version, with: nil)
                throw error
            }
        }
    }

    /// In one step: the kept answer (noted as holding at `current` once checked), or a render to
    /// wait for, or the lead of a new render.
    private func lookup(_ key: String, at current: AnswerVersion) -> Lookup {
        state.withLock { state in
            if var kept = state.kept.value(for: key) {
                if kept.version == current.version { return .kept(kept.representation) }
                if current.keeps(answerMadeAt: kept.version, from: kept.representation.inputs) {
                    kept.version = current.version
                    state.kept.set(kept, for: key, cost: kept.representation.cost)
                    metrics.kept(entries: state.kept.count, bytes: state.kept.totalCost, evicted: 0)
                    return .kept(kept.representation)
                }
            }
            let render = RenderKey(version: current.version, key: key)
            if state.renders[render] != nil { return .rendering }
            state.renders[render] = []
            return .leads
        }
    }

    /// Keeps the answer (unless one made at a later version is kept already) and hands it to the
    /// requests waiting for it in the same step, so a request arriving now finds one or the other.
    private func finish(_ key: String, version: UInt64, with representation: Representation?) {
        let waiting = state.withLock { state -> [CheckedContinuation<Representation?, Never>] in
            if let representation, (state.kept.value(for: key)?.version ?? 0) <= version {
                let evicted = state.kept.set(Kept(representation: representation, version: version), for: key, cost: representation.cost)
                metrics.kept(entries: state.kept.count, bytes: state.kept.totalCost, evicted: evicted)
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
                    return .some(state.kept.value(for: key).flatMap { $0.version >= version ? $0.representation : nil })
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
