import Hummingbird
import Logging

/// `GET /metrics` in Prometheus' text format, on a listener of its own: never under the API's
/// prefix, so the gateway, which routes the prefix, does not expose it. Anything else is 404.
struct MetricsEndpoint {
    let metrics: ServiceMetrics
    let process: ProcessMetrics

    func application(address: BindAddress, logger: Logger) -> some ApplicationProtocol {
        let router = Router()
        router.get("metrics") { _, _ -> Response in
            process.update()
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
        }
        return Application(router: router, configuration: ApplicationConfiguration(address: address, serverName: "citiesd-metrics"), logger: logger)
    }
}
