import FirehouseCore
import Hummingbird

/// `GET /metrics` in the Prometheus text format, and the middleware that times every request.
struct MetricsController<Context: RequestContext>: Sendable {
    let metrics: FirehouseMetrics
    let repository: any IncidentRepository

    func addRoutes(to router: Router<Context>) {
        router.get("/metrics", use: scrape)
    }

    @Sendable func scrape(_ request: Request, context: Context) async throws -> Response {
        // A database problem must not hide the other metrics: the gauge just keeps its last values.
        if let counts = try? await repository.openIncidentCounts() { metrics.openIncidents(counts) }
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
    }
}

/// Records `firehouse_http_request_duration_seconds` by route pattern (never the raw path, so ids do
/// not explode the label set).
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: FirehouseMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        metrics.requestDuration(route: context.endpointPath ?? "unmatched", method: request.method.rawValue,
                                status: response.status.code, ContinuousClock.now - start)
        return response
    }
}
