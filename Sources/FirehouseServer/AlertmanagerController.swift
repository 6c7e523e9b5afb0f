import FirehouseCore
import Hummingbird
import Logging

/// `POST /api/v1/alertmanager`: a webhook body in, committed incidents out.
struct AlertmanagerController<Context: RequestContext>: Sendable {
    let repository: any IncidentRepository
    let auth: WebhookAuth
    let maxBodyBytes: Int
    let limits: PayloadLimits
    let metrics: FirehouseMetrics

    func addRoutes(to router: Router<Context>) {
        router.post("/api/v1/alertmanager", use: receive)
    }

    /// `{"incidents":[{"id":1,"action":"opened"}]}`, the `Encodable` shape of `IngestResult`s
    /// written straight to bytes: JSONEncoder was a visible share of a storm's CPU.
    static func reply(_ results: [IngestResult]) -> [UInt8] {
        var out = Array(#"{"incidents":["#.utf8)
        for (index, result) in results.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out += #"{"id":"#.utf8
            JSONNumber.append(result.id, to: &out)
            out += #","action":"#.utf8
            JSONString.append(result.action.rawValue, to: &out)
            out.append(UInt8(ascii: "}"))
        }
        out += "]}".utf8
        return out
    }

    @Sendable func receive(_ request: Request, context: Context) async throws -> Response {
        var receiver = "unknown"
        do {
            let response = try await ingest(request, context: context, receiver: &receiver)
            metrics.notificationReceived(receiver: receiver, result: "ok")
            return response
        } catch {
            let result = Self.result(of: error)
            metrics.notificationReceived(receiver: receiver, result: result)
            if result == "unauthorized" {
                metrics.authDenied(route: "/api/v1/alertmanager", reason: "credentials")
                context.logger.warning("access denied", metadata: [
                    "route": "/api/v1/alertmanager", "reason": "\(error)",
                    "credentials": "\(request.headers[.authorization] == nil ? "missing" : "wrong")",
                ])
            }
            throw error
        }
    }

    static func result(of error: any Error) -> String {
        switch error {
        case is PayloadError: return "bad_request"
        case is StorageUnavailable: return "unavailable"
        case let api as APIError where api.status == .unauthorized: return "unauthorized"
        case let api as APIError where api.status == .contentTooLarge: return "too_large"
        default: return "error"
        }
    }

    private func ingest(_ request: Request, context: Context, receiver: inout String) async throws -> Response {
        try auth.check(request)
        let body = try await RequestBody.collect(request, limit: maxBodyBytes)
        let notification = try AlertmanagerNotification.decode(json: body.readableBytesView, limits: limits)
        receiver = notification.receiver
        let results = try await repository.ingest(notification)
        metrics.alertsReceived(notification.alerts.count)
        metrics.ingested(results)
        var metadata: Logger.Metadata = [
            "receiver": "\(notification.receiver)", "group_key": "\(notification.groupKey)",
            "alerts": "\(notification.alerts.count)",
            "incidents": "\(results.map { "\($0.id):\($0.action.rawValue)" }.joined(separator: ","))",
        ]
        // The stable `incident` key when one incident is concerned (nearly always: one group).
        if results.count == 1 { metadata["incident"] = "\(results[0].id)" }
        context.logger.info("notification ingested", metadata: metadata)
        return JSONResponse.bytes(Self.reply(results))
    }
}
