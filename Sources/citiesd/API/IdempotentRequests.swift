import CitiesCore
import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// `Idempotency-Key` on POST, PUT, PATCH and DELETE, after the IETF httpapi draft "The
/// Idempotency-Key HTTP Header Field". The first answer to a key is kept (per token, for
/// `lifetime`); a retry with the same key and the same request (method, target, body) gets it
/// again, marked `Idempotent-Replayed: true`; the same key with another request is a 422; a retry
/// while the first request is writing is a 409.
///
/// A handler's answer is kept by its write, in the write's own transaction (``PendingAnswer``, see
/// `CitiesController.answer`), so it exists exactly when the write committed — even when the
/// request then fails (a 503 after the commit): the retry gets the answer instead of writing
/// twice. Client errors (4xx) are kept here afterwards; other 5xx answers are not kept, so their
/// retry runs again.
struct IdempotentRequests: Sendable {
    let store: any IdempotencyStore
    let lifetime: Duration
    let bodyLimit: Int

    static let methods: Set<HTTPRequest.Method> = [.post, .put, .patch, .delete]
    static let maximumKeyLength = 255

    /// Answers `request` through `handler`, or with the answer kept under its key. `owner` is the
    /// hash of the token that authenticated it.
    func respond(
        to request: inout Request, context: CitiesRequestContext, owner: [UInt8],
        handler: (inout Request, CitiesRequestContext) async throws -> Response
    ) async throws -> Response {
        guard Self.methods.contains(request.method), let value = try Self.key(in: request.headers) else {
            return try await handler(&request, context)
        }
        let body = try await RequestBody.collect(&request, limit: bodyLimit)
        let key = IdempotencyKey(owner: owner, value: value, fingerprint: Self.fingerprint(request, body: body), lifetime: lifetime)
        if let kept = try await keptResponse(for: key) { return kept }

        var context = context
        context.idempotencyKey = key
        do {
            return try await handler(&request, context)
        } catch IdempotencyConflict.inProgress {
            throw APIError.idempotencyKeyInUse
        } catch IdempotencyConflict.answered {
            // A request with this key was answered after the lookup above, before this one's write.
            guard let kept = try await keptResponse(for: key) else { throw APIError.idempotencyKeyInUse }
            return kept
        } catch {
            let response = ErrorResponder.response(for: error, logger: context.logger)
            guard response.status.code < 500 else { return response }
            let answer = try await StoredResponse(collecting: response)
            do {
                try await store.save(answer, for: key)
            } catch {
                context.logger.warning("answer not kept under its idempotency key; a retry will run again", metadata: ["error": "\(error)"])
            }
            return Response(answer)
        }
    }

    private func keptResponse(for key: IdempotencyKey) async throws -> Response? {
        switch try await store.keptAnswer(for: key) {
        case nil:
            return nil
        case .otherRequest:
            throw APIError.idempotencyKeyReused
        case .replay(let answer):
            var response = Response(answer)
            response.headers[.idempotentReplayed] = "true"
            return response
        }
    }

    /// The key in `Idempotency-Key`: a String structured field (RFC 8941 sf-string) of 1 to 255
    /// characters; nil without the header. Several header lines make a list, which is no String.
    static func key(in headers: HTTPFields) throws -> String? {
        let lines = headers[values: .idempotencyKey]
        guard !lines.isEmpty else { return nil }
        guard let key = sfString(lines.joined(separator: ", ")), (1...maximumKeyLength).contains(key.utf8.count) else {
            throw APIError.invalidIdempotencyKey
        }
        return key
    }

    /// RFC 8941 §4.2.5: `"` printable ASCII, with `\"` and `\\` escapes, `"`; surrounding spaces allowed.
    static func sfString(_ field: String) -> String? {
        var scalars = field.unicodeScalars.drop { $0 == " " }
        while scalars.last == " " { scalars.removeLast() }
        guard scalars.popFirst() == "\"" else { return nil }
        var value = ""
        while let scalar = scalars.popFirst() {
            switch scalar {
            case "\\":
                guard let escaped = scalars.popFirst(), escaped == "\"" || escaped == "\\" else { return nil }
                value.unicodeScalars.append(escaped)
            case "\"":
                return scalars.isEmpty ? value : nil
            case " "..."~":
                value.unicodeScalars.append(scalar)
            default:
                return nil
            }
        }
        return nil
    }

    /// SHA-256 of the method, the request target and the body.
    static func fingerprint(_ request: Request, body: ByteBuffer) -> [UInt8] {
        var hash = SHA256()
        hash.update(data: Array("\(request.method.rawValue) \(request.uri.description)\n".utf8))
        hash.update(data: Array(body.readableBytesView))
        return Array(hash.finalize())
    }
}

extension HTTPField.Name {
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!
}

extension APIError {
    static let invalidIdempotencyKey = APIError(
        status: .badRequest,
        detail: "Idempotency-Key must be one quoted string (RFC 8941) of 1 to \(IdempotentRequests.maximumKeyLength) printable ASCII characters, such as \"4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f\".")
    static let idempotencyKeyInUse = APIError(
        status: .conflict, detail: "A request with this Idempotency-Key is still being processed; retry shortly.", headers: [.retryAfter: "1"])
    static let idempotencyKeyReused = APIError(
        status: .unprocessableContent, detail: "This Idempotency-Key was already used for a different request.")
}
