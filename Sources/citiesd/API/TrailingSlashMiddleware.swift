import Hummingbird

/// Routes end in `/`, as DRF's router has them. A GET or HEAD without the slash is redirected (301)
/// to the slashed path, query kept; other methods get 404, since a redirect would drop their body.
struct TrailingSlashMiddleware<Context: RequestContext>: RouterMiddleware {
    let prefix: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard !path.hasSuffix("/"), path == prefix || path.hasPrefix(prefix + "/") else {
            return try await next(request, context)
        }
        guard request.method == .get || request.method == .head else { throw APIError.notFound }
        let location = path + "/" + (request.uri.query.map { "?" + $0 } ?? "")
        return Response(status: .movedPermanently, headers: [.location: location])
    }
}
