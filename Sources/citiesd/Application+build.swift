import CitiesCore
import CitiesPG
import Hummingbird
import Logging

/// Builds the HTTP application: the router with every route under the API prefix, and the pool as a
/// service that closes after the server has drained.
func buildApplication(
    api: APIConfiguration,
    pool: PostgresPool,
    metadata: ServiceMetadata,
    configuration: ApplicationConfiguration = ApplicationConfiguration(),
    logger: Logger
) throws -> some ApplicationProtocol {
    let router = Router(context: BasicRequestContext.self)
    router.add(middleware: LogRequestsMiddleware(.debug))
    HealthController(pool: pool, runner: MigrationRunner(migrations: try Migration.bundled(), logger: logger), metadata: metadata)
        .addRoutes(to: router.group(RouterPath(api.prefix)))
    return Application(router: router, configuration: configuration, services: [pool], logger: logger)
}
