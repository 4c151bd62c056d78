import CitiesCore
import Hummingbird

/// What every view needs: authentication, build identity for `OPTIONS`, the body limit.
struct APIEnvironment: Sendable {
    let authenticator: TokenAuthenticator
    let metadata: ServiceMetadata
    let bodyLimit: Int
}

/// A DRF-style view: one path, the methods it answers, and DRF's `APIView.dispatch` order around
/// them — content negotiation (406), authentication (401, before the method and the body, as DRF
/// checks permissions), method check (405), then the handler. Every answer, errors included,
/// carries `Allow` and `Vary: Accept`.
struct APIView: Sendable {
    typealias Handler = @Sendable (inout Request, BasicRequestContext) async throws -> Response

    let name: String
    let description: String
    var handlers: [HTTPRequest.Method: Handler] = [:]
    /// Writable methods and the fields their body takes, for `OPTIONS` `actions`.
    var actions: [(method: HTTPRequest.Method, fields: [FieldDescription])] = []

    static let safeMethods: Set<HTTPRequest.Method> = [.get, .head, .options]
    static let dispatchedMethods: [HTTPRequest.Method] = [.get, .head, .post, .put, .patch, .delete, .options]

    var allowedMethods: [HTTPRequest.Method] {
        let order: [HTTPRequest.Method] = [.get, .post, .put, .patch, .delete, .head, .options]
        return order.filter { $0 == .options || handlers[$0] != nil || ($0 == .head && handlers[.get] != nil) }
    }

    var allowHeader: String { allowedMethods.map(\.rawValue).joined(separator: ", ") }

    func on(_ method: HTTPRequest.Method, fields: [FieldDescription]? = nil, _ handler: @escaping Handler) -> APIView {
        var view = self
        view.handlers[method] = handler
        if let fields { view.actions.append((method, fields)) }
        return view
    }

    func dispatch(_ request: Request, context: BasicRequestContext, environment: APIEnvironment) async -> Response {
        var request = request
        var response: Response
        do {
            try ContentNegotiation.check(request)
            try await environment.authenticator.authenticate(request, requireToken: !Self.safeMethods.contains(request.method))
            response = try await handle(&request, context: context, environment: environment)
        } catch {
            response = ErrorResponder.response(for: error, logger: context.logger)
        }
        response.headers[.allow] = allowHeader
        response.headers[.vary] = "Accept"
        if request.method == .head { response.body = ResponseBody() }
        return response
    }

    private func handle(_ request: inout Request, context: BasicRequestContext, environment: APIEnvironment) async throws -> Response {
        let method = request.method == .head ? HTTPRequest.Method.get : request.method
        if method == .options { return JSONResponse.make(options(environment.metadata), status: .ok) }
        guard let handler = handlers[method] else { throw APIError.methodNotAllowed(request.method) }
        return try await handler(&request, context)
    }

    /// DRF SimpleMetadata, plus the service's build identity.
    private func options(_ metadata: ServiceMetadata) -> JSONValue {
        var body: [String: JSONValue] = [
            "name": .string(name),
            "description": .string(description),
            "renders": .array([.string("application/json")]),
            "parses": .array([.string("application/json")]),
            "version": .string(metadata.version),
            "branch": .string(metadata.branch),
            "stack": .string(metadata.stack),
        ]
        if !actions.isEmpty {
            body["actions"] = .object(Dictionary(uniqueKeysWithValues: actions.map { action in
                (action.method.rawValue, JSONValue.object(Dictionary(uniqueKeysWithValues: action.fields.map { ($0.name, $0.metadata) })))
            }))
        }
        return .object(body)
    }
}

extension RouterGroup<BasicRequestContext> {
    /// Routes every method on `path` to the view, so the view answers 405 itself, with `Allow`.
    func add(_ path: RouterPath, _ view: APIView, environment: APIEnvironment) {
        for method in APIView.dispatchedMethods {
            on(path, method: method) { request, context in
                await view.dispatch(request, context: context, environment: environment)
            }
        }
    }
}

/// DRF answers 406 when the client accepts nothing it can render (JSON only here).
enum ContentNegotiation {
    static func check(_ request: Request) throws {
        guard let accept = request.headers[.accept], !accept.trimmingCharacters(in: .whitespaces).isEmpty else { return }
        let acceptable = accept.split(separator: ",").contains { entry in
            let parts = entry.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            let quality = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            return quality > 0 && ["*/*", "application/*", "application/json"].contains(parts.first ?? "")
        }
        if !acceptable { throw APIError.notAcceptable }
    }
}
