import FirehouseCore
import Hummingbird

/// `POST /api/v1/alertmanager`: a webhook body in, committed incidents out.
struct AlertmanagerController<Context: RequestContext>: Sendable {
    let repository: any IncidentRepository
    let auth: WebhookAuth
    let maxBodyBytes: Int

    func addRoutes(to router: Router<Context>) {
        router.post("/api/v1/alertmanager", use: receive)
    }

    private struct Reply: Encodable {
        var incidents: [IngestResult]
    }

    @Sendable func receive(_ request: Request, context: Context) async throws -> Response {
        try auth.check(request)
        let body = try await RequestBody.collect(request, limit: maxBodyBytes)
        let notification = try AlertmanagerNotification.decode(json: body.readableBytesView)
        let results = try await repository.ingest(notification)
        context.logger.info("notification ingested", metadata: [
            "receiver": "\(notification.receiver)", "group_key": "\(notification.groupKey)",
            "alerts": "\(notification.alerts.count)",
            "incidents": "\(results.map { "\($0.id):\($0.action.rawValue)" }.joined(separator: ","))",
        ])
        return JSONResponse.make(Reply(incidents: results))
    }
}

/// Reading request bodies within a limit.
enum RequestBody {
    /// Rejects by `Content-Length` before reading anything, and stops reading once past the limit.
    static func collect(_ request: Request, limit: Int) async throws -> ByteBuffer {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw APIError(.contentTooLarge, "request body is \(length) bytes, the limit is \(limit)")
        }
        do {
            return try await request.body.collect(upTo: limit)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw APIError(.contentTooLarge, "request body is over the limit of \(limit) bytes")
        }
    }
}
