import CitiesCore
import CitiesPG
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle

/// What the HTTP application is built from; tests swap the stores.
struct APIDependencies: Sendable {
    var pool: PGPool
    var repository: any CitiesRepository
    var tokens: any TokenStore
    var idempotency: any IdempotencyStore
    /// How long answers stay kept under their `Idempotency-Key`.
    var idempotencyKeyLifetime: Duration = .seconds(86_400)
    var metadata: ServiceMetadata
    var bodyLimit = 16 << 20
    var trustedProxies = TrustedProxies.loopback
    /// Rendered answers kept per version of the counts; 0 keeps none.
    var representationCacheEntries = 1024
    /// Set on SIGTERM/SIGINT: `ready/` turns 503 and responses close their connections.
    var drain = DrainState()
    /// How long `ready/` waits for the database before answering 503.
    var readyTimeout: Duration = .seconds(1)
    /// Run with the server: the pool first (closed last), then what polls through it.
    var services: [any Service]
    /// Where the HTTP layer, the counts feed and the response cache report; give the pool the same
    /// factory.
    var metrics: ServiceMetrics

    init(pool: PGPool, metadata: ServiceMetadata, bodyLimit: Int = 16 << 20,
         counts: LiveCitiesStore.Configuration = LiveCitiesStore.Configuration(), logger: Logger = Logger(label: "citiesd.counts"),
         metrics: ServiceMetrics = ServiceMetrics()) {
        self.pool = pool
        self.metrics = metrics
        let live = LiveCitiesStore(pool: pool, configuration: counts, logger: logger, metrics: metrics.factory)
        self.repository = live
        let idempotency = PostgresIdempotencyStore(pool: pool, logger: logger)
        self.services = [pool, live, idempotency]
        self.tokens = PostgresTokenStore(pool: pool)
        self.idempotency = idempotency
        self.metadata = metadata
        self.bodyLimit = bodyLimit
    }
}

/// Builds the HTTP application: every route under the API prefix, DRF-shaped errors, and the pool
/// as a service that closes after the server has drained.
func buildApplication(
    api: APIConfiguration,
    dependencies: APIDependencies,
    configuration: ApplicationConfiguration = ApplicationConfiguration(),
    connections: ConnectionRegistry = ConnectionRegistry(),
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in },
    logger: Logger
) throws -> some ApplicationProtocol {
    let environment = APIEnvironment(
        authenticator: TokenAuthenticator(store: dependencies.tokens),
        idempotency: IdempotentRequests(store: dependencies.idempotency, lifetime: dependencies.idempotencyKeyLifetime, bodyLimit: dependencies.bodyLimit),
        metadata: dependencies.metadata, bodyLimit: dependencies.bodyLimit)
    let schema = OpenAPIDocument.make(prefix: api.prefix, metadata: dependencies.metadata)
    let routes = HealthController(
        pool: dependencies.pool, counts: dependencies.repository as? any VersionedReads, runner: MigrationRunner(migrations: try Migration.bundled(), logger: logger), metadata: dependencies.metadata,
        drain: dependencies.drain, readyTimeout: dependencies.readyTimeout
    ).routes + CitiesController(
        repository: dependencies.repository,
        cache: RepresentationCache(repository: dependencies.repository, capacity: dependencies.representationCacheEntries, metrics: dependencies.metrics.factory),
        bodyLimit: dependencies.bodyLimit, ingest: IngestMetrics(factory: dependencies.metrics.factory)
    ).routes + [
        APIRoute("schema/", APIView(name: "Schema", description: "The OpenAPI 3.1 document of this API.")
            .on(.get) { _, _ in JSONResponse.make(schema, status: .ok) }),
    ]

    let router = Router(context: CitiesRequestContext.self)
    if dependencies.metrics.isEnabled { router.add(middleware: HTTPMetricsMiddleware(factory: dependencies.metrics.factory)) }
    router.add(middleware: ProxyHeadersMiddleware(trustedProxies: dependencies.trustedProxies))
    router.add(middleware: RedactingLogRequestsMiddleware(.debug))
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: HostHeaderMiddleware())
    router.add(middleware: TrailingSlashMiddleware(prefix: api.prefix))
    router.add(middleware: OtherMethodsMiddleware(prefix: api.prefix, routes: routes, environment: environment))
    let group = router.group(RouterPath(api.prefix))
    // A request's database calls together take no longer than one call may: a hung server gets
    // its 503 within the pool timeout + statement timeout + 1 s, however many calls a view makes.
    let databaseBudget = dependencies.pool.configuration.operationBound
    for route in routes {
        for method in APIView.dispatchedMethods {
            group.on(RouterPath(route.path), method: method) { request, context in
                await PGPool.$deadline.withValue(databaseBudget.map { .now + $0 }) {
                    await route.view.dispatch(request, context: context, environment: environment)
                }
            }
        }
    }
    let server = HTTPServerBuilder.http1(configuration: HTTP1Channel.Configuration(
        additionalChannelHandlers: [ConnectionGuardHandler(registry: connections, drain: dependencies.drain)]))
    var configuration = configuration
    configuration.availableConnectionsDelegate = MaximumAvailableConnections(connections.limits.acceptLimit, logger: logger)
    return Application(
        router: router, server: server, configuration: configuration, services: dependencies.services, onServerRunning: onServerRunning, logger: logger)
}
