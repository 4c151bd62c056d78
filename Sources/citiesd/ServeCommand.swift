import ArgumentParser
import CitiesCore
import CitiesPG
import CitiesPGTesting
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the REST API. SIGTERM drains (ready/ turns 503, requests still answered) for --drain-period, then exits once requests in flight finish; Ctrl-C skips the drain."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var database: DatabaseOptions

    @Option(help: "Address to listen on. Env: HOST. Default: 127.0.0.1.")
    var hostname: String?

    @Option(help: "Port to listen on. Env: PORT. Default: 8080.")
    var port: Int?

    @Option(help: "The JSON file holding the URI prefix ({\"uri\": \"/ws/cities\"}). Env: CITIESD_PACKAGE_JSON. Default: config/package.json.")
    var packageJSON: String?

    @Option(help: "Largest request body accepted, in bytes (413 beyond). Env: CITIESD_MAX_BODY_BYTES. Default: 16777216.")
    var maxBodyBytes: Int?

    @Option(help: "Peers whose X-Forwarded-* headers are believed: addresses or CIDR blocks, comma-separated (empty: none). Env: CITIESD_TRUSTED_PROXIES. Default: 127.0.0.0/8,::1.")
    var trustedProxies: String?

    @Option(help: "Milliseconds ready/ waits for the database before answering 503; keep it below the gateway's health-check timeout. Env: CITIESD_READY_TIMEOUT_MS. Default: 1000.")
    var readyTimeoutMs: Int?

    @Option(help: "Rendered answers kept until what they show changes; 0 keeps none. Env: CITIESD_RESPONSE_CACHE_ENTRIES. Default: 1024.")
    var responseCacheEntries: Int?

    @Option(help: "Milliseconds between reads of other writers' changes while not listening for them: the staleness bound of the counts then. Env: CITIESD_COUNTS_POLL_MS. Default: 20.")
    var countsPollMs: Int?

    @Option(help: "Listen (one more database session) for the notification each writer's commit sends, so other writers' changes show within a round trip; polls then run once a second. false where sessions cannot LISTEN (PgBouncer in transaction mode). Env: CITIESD_COUNTS_LISTEN. Default: true.")
    var countsListen: Bool?

    @Option(help: "Seconds an answer stays kept under its Idempotency-Key: retries within it get the same answer. Env: CITIESD_IDEMPOTENCY_KEY_LIFETIME. Default: 86400.")
    var idempotencyKeyLifetime: Int?

    @Option(help: "Port of a second listener, on the same address, serving GET /metrics (Prometheus' text format) and nothing else; keep it off the gateway. Env: CITIESD_METRICS_PORT. Default: none (off).")
    var metricsPort: Int?

    @Flag(help: "Run on a private PostgreSQL cluster under --embedded-dir, created, migrated and loaded with sample data on first use; ignores DATABASE_URL.")
    var embedded = false

    @Option(help: "Folder of the embedded cluster. Env: CITIESD_EMBEDDED_DIR. Default: .citiesd/postgres.")
    var embeddedDir: String?

    @OptionGroup var connections: ConnectionOptions

    func run() async throws {
        let environment = Environment()
        let logger = try global.bootstrapLogging(environment)
        try TimeZoneName.requireDatabaseForCommand()
        let api = try APIConfiguration.load(from: try environment.resolve(packageJSON, "CITIESD_PACKAGE_JSON", default: "config/package.json"))
        let host = try environment.resolve(hostname, "HOST", default: "127.0.0.1")
        let port = try environment.resolve(port, "PORT", default: 8080)
        guard (0...65535).contains(port) else { throw ValidationError("port must be 0…65535, got \(port)") }
        let metricsPort = try environment.resolve(self.metricsPort, "CITIESD_METRICS_PORT", default: -1)
        guard metricsPort == -1 || ((1...65535).contains(metricsPort) && metricsPort != port) else {
            throw ValidationError("the metrics port must be 1…65535 and differ from --port, got \(metricsPort)")
        }
        var poolConfiguration = try database.poolConfiguration(environment)

        var cluster: EmbeddedPostgres?
        if embedded {
            let directory = try environment.resolve(embeddedDir, "CITIESD_EMBEDDED_DIR", default: ".citiesd/postgres")
            let started = try await EmbeddedDatabase.prepare(directory: URL(fileURLWithPath: directory), logger: logger)
            cluster = started.cluster
            poolConfiguration.connection.connectionString = started.connection.connectionString
        }

        let metrics = ServiceMetrics(enabled: metricsPort != -1)
        let pool = PGPool(configuration: poolConfiguration, logger: logger, metrics: metrics.factory)
        let bodyLimit = try environment.resolve(maxBodyBytes, "CITIESD_MAX_BODY_BYTES", default: 16 << 20)
        guard bodyLimit > 0 else { throw ValidationError("the body limit must be positive, got \(bodyLimit)") }
        var counts = LiveCitiesStore.Configuration()
        let pollMilliseconds = try environment.resolve(countsPollMs, "CITIESD_COUNTS_POLL_MS", default: 20)
        guard (1...60_000).contains(pollMilliseconds) else { throw ValidationError("the counts poll interval must be 1…60000 ms, got \(pollMilliseconds)") }
        counts.pollInterval = .milliseconds(pollMilliseconds)
        counts.listensForChanges = try environment.resolve(countsListen, "CITIESD_COUNTS_LISTEN", default: true)
        var dependencies = APIDependencies(
            pool: pool, metadata: ServiceMetadata(environment: environment.variables), bodyLimit: bodyLimit, counts: counts, logger: logger,
            metrics: metrics)
        dependencies.representationCacheEntries = try environment.resolve(responseCacheEntries, "CITIESD_RESPONSE_CACHE_ENTRIES", default: 1024)
        guard dependencies.representationCacheEntries >= 0 else { throw ValidationError("the response cache size cannot be negative") }
        let readyMilliseconds = try environment.resolve(readyTimeoutMs, "CITIESD_READY_TIMEOUT_MS", default: 1000)
        guard (1...60_000).contains(readyMilliseconds) else { throw ValidationError("the ready timeout must be 1…60000 ms, got \(readyMilliseconds)") }
        dependencies.readyTimeout = .milliseconds(readyMilliseconds)
        let keyLifetime = try environment.resolve(idempotencyKeyLifetime, "CITIESD_IDEMPOTENCY_KEY_LIFETIME", default: 86_400)
        guard (1...2_592_000).contains(keyLifetime) else { throw ValidationError("the idempotency key lifetime must be 1…2592000 seconds, got \(keyLifetime)") }
        dependencies.idempotencyKeyLifetime = .seconds(keyLifetime)
        do {
            dependencies.trustedProxies = try TrustedProxies(try environment.resolve(trustedProxies, "CITIESD_TRUSTED_PROXIES", default: "127.0.0.0/8,::1"))
        } catch let error as TrustedProxiesError {
            throw ValidationError(error.description)
        }
        let limits = try connections.limits(environment, poolConnections: poolConfiguration.maxConnections, logger: logger)
        let (drainPeriod, gracePeriod) = try connections.shutdownPeriods(environment)
        let app = try buildApplication(
            api: api,
            dependencies: dependencies,
            configuration: ApplicationConfiguration(
                address: .hostname(host, port: port), serverName: "citiesd", backlog: try connections.listenBacklog(environment)),
            connections: ConnectionRegistry(limits: limits, logger: logger, metrics: metrics.factory),
            logger: logger)
        var services: [any Service] = [app]
        if metrics.isEnabled {
            let endpoint = MetricsEndpoint(metrics: metrics, process: ProcessMetrics(factory: metrics.factory, metadata: dependencies.metadata))
            services.append(endpoint.application(address: .hostname(host, port: metricsPort), logger: logger))
        }
        logger.info("citiesd starting", metadata: [
            "address": "\(host):\(port)", "prefix": "\(api.prefix)",
            "database": "\(poolConfiguration.connection.redactedDescription)",
            "max_connections": "\(limits.maxConnections)",
            "metrics": "\(metricsPort == -1 ? "off" : "\(host):\(metricsPort)/metrics")",
        ])
        do {
            try await DrainingShutdown(drain: dependencies.drain, drainPeriod: drainPeriod, gracePeriod: gracePeriod, logger: logger).run(services)
        } catch {
            try await cluster?.stop()
            throw error
        }
        try await cluster?.stop()
        logger.info("citiesd stopped")
    }
}
