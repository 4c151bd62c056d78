import CitiesCore
import Hummingbird
import NIOCore

/// The request context: Hummingbird's core storage, the peer's address (to decide whether to
/// believe `X-Forwarded-*`), and the public base URL and request id that ``ProxyHeadersMiddleware``
/// resolves once per request.
struct CitiesRequestContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?
    /// `scheme://host[:port][prefix]` as the client sees this service; links start with it.
    var publicBaseURL = "http://localhost"
    var requestID = ""
    /// The request's `Idempotency-Key`, once ``IdempotentRequests`` has read it: write handlers
    /// hand their answer to the repository under it.
    var idempotencyKey: IdempotencyKey?

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }
}
