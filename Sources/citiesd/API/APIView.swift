import CitiesCore
import Hummingbird

/// What every view needs: authentication, idempotency keys, build identity for `OPTIONS`, the body limit.
struct APIEnvironment: Sendable {
    let authenticator: TokenAuthenticator
    let idempotency: IdempotentRequests
    let metadata: ServiceMetadata
    let bodyLimit: Int
}

/// A DRF-style view: one path, the methods it answers, and DRF's `APIView.dispatch` order around
/// them — content negotiation (406), authentication (401, before the method and the body, as DRF
/// checks permissions), method check (405), the `Idempotency-Key` of an authenticated request
/// (``IdempotentRequests``), then the handler. Every answer, errors included, carries `Allow` and
/// `Vary: Accept`.
struct APIView: Sendable {
    typealias Handler = @Sendable (inout Request, CitiesRequestContext) async throws -> Response

    let name: String
    let description: String
    private(set) var handlers: [HTTPRequest.Method: Handler] = [:]
    /// Writable methods and the fields their body takes, for `OPTIONS` `actions`.
    private(set) var actions: [(method: HTTPRequest.Method, fields: [FieldDescription])] = []
    /// `Allow`, on every answer: made once per view, not per request.
    private(set) var allowHeader = "OPTIONS"

    static let safeMethods: Set<HTTPRequest.Method> = [.get, .head, .options]
    static let dispatchedMethods: [HTTPRequest.Method] = [.get, .head, .post, .put, .patch, .delete, .options, .trace]

    var allowedMethods: [HTTPRequest.Method] {
        let order: [HTTPRequest.Method] = [.get, .post, .put, .patch, .delete, .head, .options]
        return order.filter { $0 == .options || handlers[$0] != nil || ($0 == .head && handlers[.get] != nil) }
    }

    func on(_ method: HTTPRequest.Method, fields: [FieldDescription]? = nil, _ handler: @escaping Handler) -> APIView {
        var view = self
        view.handlers[method] = handler
        if let fields { view.actions.append((method, fields)) }
        view.allowHeader = view.allowedMethods.map(\.rawValue).joined(separator: ", ")
        return view
    }

    func dispatch(_ request: Request, context: CitiesRequestContext, environment: APIEnvironment) async -> Response {
        var request = request
        var response: Response
        do {
            try ContentNegotiation.check(request)
            let token = try await environment.authenticator.authenticate(request, requireToken: !Self.safeMethods.contains(request.method))
            response = try await handle(&request, context: context, environment: environment, token: token)
        } catch {
            response = ErrorResponder.response(for: error, logger: context.logger)
        }
        response.headers[.allow] = allowHeader
        response.headers[.vary] = "Accept"
        if request.method == .head { response = response.createHeadResponse() }
        return response
    }

    private func handle(_ request: inout Request, context: CitiesRequestContext, environment: APIEnvironment, token: [UInt8]?) async throws -> Response {
        let method = request.method == .head ? HTTPRequest.Method.get : request.method
        if method == .options { return JSONResponse.make(options(environment.metadata), status: .ok) }
        guard let handler = handlers[method] else { throw APIError.methodNotAllowed(request.method) }
        guard let token else { return try await handler(&request, context) }
        return try await environment.idempotency.respond(to: &request, context: context, owner: token, handler: handler)
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

/// A view at a path relative to the API prefix (`:name` segments are parameters).
struct APIRoute: Sendable {
    let path: String
    let view: APIView

    init(_ path: String, _ view: APIView) {
        self.path = path
        self.view = view
    }

    /// Whether `relativePath` (after the prefix, with its trailing slash) is this route's.
    func matches(_ relativePath: Substring) -> Bool {
        let pattern = path.split(separator: "/")
        let segments = relativePath.split(separator: "/")
        return pattern.count == segments.count && zip(pattern, segments).allSatisfy { $0.hasPrefix(":") || $0 == $1 }
    }
}

/// Methods the router has no routes for (TRACE's cousins: QUERY, PROPFIND, …) still reach the
/// route's view, which answers 405 with `Allow`, as Django does for any method a view lacks.
struct OtherMethodsMiddleware: RouterMiddleware {
    let prefix: String
    let routes: [APIRoute]
    let environment: APIEnvironment

    func handle(_ request: Request, context: CitiesRequestContext, next: (Request, CitiesRequestContext) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard !APIView.dispatchedMethods.contains(request.method), path.hasPrefix(prefix + "/") else {
            return try await next(request, context)
        }
        let relative = path.dropFirst(prefix.count + 1)
        guard let route = routes.first(where: { $0.matches(relative) }) else { throw APIError.notFound }
        return await route.view.dispatch(request, context: context, environment: environment)
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
