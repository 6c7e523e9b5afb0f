import FirehouseCore
import FirehouseService
import Hummingbird

/// `GET /metrics` in the Prometheus text format, and the middleware that times every request.
struct MetricsController: Sendable {
    let metrics: FirehouseMetrics
    let repository: any IncidentUseCases
    let auth: StaticCredential

    func addRoutes(to routes: Routes) {
        routes.get("/metrics", .metrics, use: scrape)
    }

    @Sendable func scrape(_ request: Request, context: FirehouseContext) async throws -> Response {
        do {
            try auth.check(request)
        } catch {
            metrics.authDenied(route: "/metrics", reason: "credentials")
            context.logger.warning("access denied", metadata: ["route": "/metrics", "reason": "\(error)"])
            throw error
        }
        // A database problem must not hide the other metrics: the gauge just keeps its last values.
        if let counts = try? await repository.openIncidentCounts() { metrics.openIncidents(counts) }
        if let budgets = try? await repository.sloReports() { metrics.errorBudgets(budgets) }
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
