import CoreMetrics
import Hummingbird
import Synchronization

/// Counts every request by route template (the router's, `/ws/cities/{id}`: never the raw path;
/// `NotFound` for paths no route matches), method and status class, with its duration until the
/// response is handed to the server (its body is written after), and the requests in flight. Put
/// it first, so that it sees the answers the other middlewares give.
final class HTTPMetricsMiddleware<Context: RequestContext>: RouterMiddleware, Sendable {
    private let factory: any MetricsFactory
    private let inFlight: Gauge
    private let inFlightCount = Atomic<Int>(0)
    private let series = Mutex<[SeriesKey: Series]>([:])

    struct SeriesKey: Hashable {
        let route: String
        let method: String
        let statusClass: Int
    }

    struct Series {
        let requests: Counter
        let duration: CoreMetrics.Timer
    }

    init(factory: any MetricsFactory) {
        self.factory = factory
        inFlight = Gauge(label: "citiesd_http_requests_in_flight", factory: factory)
        inFlight.record(0)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        inFlight.record(inFlightCount.add(1, ordering: .relaxed).newValue)
        do {
            let response = try await next(request, context)
            finished(request, context, status: response.status, since: start)
            return response
        } catch {
            finished(request, context, status: (error as? any HTTPResponseError)?.status ?? .internalServerError, since: start)
            throw error
        }
    }

    private func finished(_ request: Request, _ context: Context, status: HTTPResponse.Status, since start: ContinuousClock.Instant) {
        inFlight.record(inFlightCount.subtract(1, ordering: .relaxed).newValue)
        let key = SeriesKey(route: context.endpointPath ?? "NotFound", method: Self.methodLabel(request.method), statusClass: status.code / 100)
        let series = series.withLock { series in
            if let known = series[key] { return known }
            let made = Series(
                requests: Counter(label: "citiesd_http_requests_total",
                                  dimensions: [("route", key.route), ("method", key.method), ("status_class", "\(key.statusClass)xx")], factory: factory),
                duration: CoreMetrics.Timer(label: "citiesd_http_request_duration_seconds",
                                            dimensions: [("route", key.route), ("method", key.method)], factory: factory))
            series[key] = made
            return made
        }
        series.requests.increment()
        series.duration.recordNanoseconds((ContinuousClock.now - start).nanoseconds)
    }

    /// Methods a client invents (`FOO`) are counted together, as `other`: labels stay few.
    private static func methodLabel(_ method: HTTPRequest.Method) -> String {
        [.get, .head, .post, .put, .patch, .delete, .options].contains(method) ? method.rawValue : "other"
    }
}
